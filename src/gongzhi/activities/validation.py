"""Checks the services of the Friday sessions share: lookups by natural key, the
session's state, text, times, headcounts, task rows with their measures, linked
problems and photos. Each adds messages naming the field to an ``Errors`` dict,
so the user sees every problem at once and nothing is written."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from gongzhi.activities import queries
from gongzhi.activities.models import AttendanceTask, Measure, PhotoKind
from gongzhi.activities.permissions import editable_until
from gongzhi.areas.models import Community
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.campaigns.queries import sessions_visible_to
from gongzhi.core.codes import normalise_code
from gongzhi.core.photo_store import PhotoUpload, photos_check
from gongzhi.core.scoping import get_visible_or_404
from gongzhi.core.validation import Errors, add_error
from gongzhi.problems import queries as problem_queries
from gongzhi.problems.models import Category, Problem, ProblemState
from gongzhi.units.models import Unit

#: The most people one unit can bring to one community in one afternoon.
MAX_HEADCOUNT: Final = 2000
#: At most this many task rows and linked problems on one attendance.
MAX_TASKS: Final = 30
MAX_PROBLEMS: Final = 50
TIME_RE = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")

#: Problems that can be linked to attendance: any but those never taken on.
NOT_LINKABLE = frozenset({ProblemState.REJECTED, ProblemState.DUPLICATE})

M = Measure
#: The measures work of a category is counted in, by category code (the seeded taxonomy);
#: any other category (special rectifications, volunteer services…) counts items or places.
MEASURES_BY_CATEGORY: Final[dict[str, tuple[str, ...]]] = {
    "illegal_flyers": (M.PLACES, M.SHEETS),
    "garbage_dead_corner": (M.TONNES, M.CUBIC_METRES, M.TRUCKLOADS),
    "household_garbage": (M.TONNES, M.CUBIC_METRES, M.TRUCKLOADS),
    "construction_garbage": (M.TONNES, M.CUBIC_METRES, M.TRUCKLOADS),
    "piled_debris": (M.TONNES, M.CUBIC_METRES, M.TRUCKLOADS, M.ITEMS),
    "river_pond_cleanup": (M.TONNES, M.CUBIC_METRES, M.TRUCKLOADS),
    "dead_branches_weeds": (M.SQUARE_METRES,),
    "greenery_vegetable_plots": (M.PLACES, M.SQUARE_METRES),
}
DEFAULT_MEASURES: Final = (M.ITEMS, M.PLACES)


def allowed_measures(category: Category) -> tuple[str, ...]:
    """The measures a task of ``category`` may be given in, the usual one first."""
    return MEASURES_BY_CATEGORY.get(category.code, DEFAULT_MEASURES)


def measure_label(measure: str) -> str:
    return str(Measure(measure).label) if measure in Measure.values else measure


# --- lookups --------------------------------------------------------------------------


def session_for(user: Any, session_id: Any) -> Session:
    return get_visible_or_404(sessions_visible_to(user), pk=session_id)


def unit_by_code(code: Any, errors: Errors) -> Unit | None:
    code = normalise_code(str(code or ""))
    unit = Unit.objects.filter(code=code, archived_at__isnull=True).first() if code else None
    if unit is None:
        add_error(
            errors, "unit_code", _("No active unit has the code “%(code)s”.") % {"code": code}
        )
    return unit


def community_by_code(code: Any, errors: Errors) -> Community | None:
    code = normalise_code(str(code or ""))
    community = (
        Community.objects.select_related("street").filter(code=code).first() if code else None
    )
    if community is None:
        add_error(
            errors, "community_code", _("No community has the code “%(code)s”.") % {"code": code}
        )
    return community


def check_session(session: Session, community: Community, today: dt.date, *, future: bool) -> None:
    """Refuse a session that is not held, not yet held (unless ``future``), or not the
    community's."""
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(
            {"session_id": [_("The session was cancelled: attendance on it is refused.")]}
        )
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(
            {"session_id": [_("The session was skipped for a holiday: nothing can be recorded.")]}
        )
    if not future and session.date > today:
        raise ValidationError(
            {
                "session_id": [
                    _("The session on %(date)s has not taken place yet.")
                    % {"date": session.date.isoformat()}
                ]
            }
        )
    if not queries.session_has_community(session, community.pk):
        raise ValidationError(
            {
                "community_code": [
                    _("%(community)s is not one of the communities of this session's campaign.")
                    % {"community": community.name}
                ]
            }
        )


def locked_error(session: Session, *, office: bool = False) -> ValidationError:
    """Past the edit window: the office corrects with a reason, everyone else asks it to."""
    values = {
        "date": session.date.isoformat(),
        "until": editable_until(session.date).isoformat(),
    }
    if office:
        message = _(
            "Attendance of the session on %(date)s could be changed until %(until)s; "
            "correct it with a reason."
        )
    else:
        message = _(
            "Attendance of the session on %(date)s could be changed until %(until)s; "
            "ask the city office for a correction."
        )
    return ValidationError({NON_FIELD_ERRORS: [message % values]})


# --- small validators -----------------------------------------------------------------


def text(value: Any, field: str, limit: int, errors: Errors) -> str:
    """``value`` as stripped text of at most ``limit`` characters."""
    cleaned = str(value or "").strip()
    if len(cleaned) > limit:
        add_error(
            errors,
            field,
            _("Write at most %(n)d characters (%(given)d given).")
            % {"n": limit, "given": len(cleaned)},
        )
    return cleaned


def time_of(value: Any, field: str, errors: Errors) -> dt.time | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None, microsecond=0)
    given = str(value).strip()
    try:
        if TIME_RE.match(given):
            return dt.time.fromisoformat(given.zfill(5) if len(given) == 4 else given)
    except ValueError:
        pass
    add_error(errors, field, _("Give the time as HH:MM, e.g. 14:30."))
    return None


def headcount_of(value: Any, errors: Errors) -> int | None:
    if isinstance(value, bool) or value in (None, ""):
        add_error(errors, "headcount", _("Give the number of people who came (at least 1)."))
        return None
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        add_error(errors, "headcount", _("Give the number of people as a whole number."))
        return None
    if isinstance(value, float) and value != number:
        add_error(errors, "headcount", _("Give the number of people as a whole number."))
        return None
    if number < 1:
        add_error(errors, "headcount", _("At least 1 person must have come."))
    elif number > MAX_HEADCOUNT:
        add_error(
            errors,
            "headcount",
            _("%(n)d people is more than one unit brings to a community (at most %(max)d).")
            % {"n": number, "max": MAX_HEADCOUNT},
        )
    return number


def yes_no(value: Any, field: str, errors: Errors) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", 0, "0", "false", "False", "off"):
        return False
    if value in (1, "1", "true", "True", "on"):
        return True
    add_error(errors, field, _("Answer yes or no."))
    return False


def _quantity(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def tasks_of(raw: Any, errors: Errors) -> list[AttendanceTask]:
    """Task rows as unsaved ``AttendanceTask``; errors name ``tasks.<row>.<field>``."""
    rows = list(raw or [])
    if len(rows) > MAX_TASKS:
        add_error(errors, "tasks", _("Record at most %(n)d tasks.") % {"n": MAX_TASKS})
        return []
    codes = {str(r.get("category_code", "")).strip() for r in rows if isinstance(r, dict)}
    categories = {c.code: c for c in Category.objects.active().filter(code__in=codes)}
    tasks: list[AttendanceTask] = []
    seen: set[tuple[str, str]] = set()
    for index, row in enumerate(rows):
        where = f"tasks.{index}"
        if not isinstance(row, dict):
            add_error(errors, where, _("Each task needs a category, a quantity and a measure."))
            continue
        code = str(row.get("category_code") or "").strip()
        category = categories.get(code)
        if category is None:
            add_error(
                errors,
                f"{where}.category_code",
                _("Choose a category (“%(code)s” is none).") % {"code": code}
                if code
                else _("Choose a category."),
            )
        quantity = _quantity(row.get("quantity"))
        if quantity is None:
            add_error(errors, f"{where}.quantity", _("Give the quantity as a number."))
        elif quantity <= 0:
            add_error(errors, f"{where}.quantity", _("The quantity must be more than 0."))
        elif quantity != quantity.quantize(Decimal("0.01")) or quantity >= Decimal(10) ** 10:
            add_error(
                errors,
                f"{where}.quantity",
                _("Give the quantity with at most 2 decimals and below 10,000,000,000."),
            )
        measure = str(row.get("measure") or "").strip()
        if category is not None:
            allowed = allowed_measures(category)
            if measure not in allowed:
                add_error(
                    errors,
                    f"{where}.measure",
                    _("%(category)s is measured in %(measures)s.")
                    % {
                        "category": category.name,
                        "measures": ", ".join(measure_label(m) for m in allowed),
                    },
                )
            elif (code, measure) in seen:
                add_error(
                    errors,
                    f"{where}.measure",
                    _("%(category)s in %(measure)s is already on another row; add them up.")
                    % {"category": category.name, "measure": measure_label(measure)},
                )
            seen.add((code, measure))
        if category is not None and quantity is not None and quantity > 0:
            tasks.append(AttendanceTask(category=category, quantity=quantity, measure=measure))
    return tasks


def _numbers(values: Iterable[Any]) -> list[str]:
    return sorted({str(v).strip() for v in values or () if str(v).strip()})


def problems_of(
    user: Any, community: Community, numbers: Any, errors: Errors, *, open_only: bool = False
) -> list[Problem]:
    """Ledger problems of ``community`` that ``user`` can see, by public number."""
    wanted = _numbers(numbers)
    if len(wanted) > MAX_PROBLEMS:
        add_error(
            errors, "problem_numbers", _("Link at most %(n)d problems.") % {"n": MAX_PROBLEMS}
        )
        return []
    if not wanted:
        return []
    found = {
        p.number: p
        for p in problem_queries.problems_visible_to(user).filter(
            number__in=wanted, community=community
        )
    }
    missing = [n for n in wanted if n not in found]
    if missing:
        add_error(
            errors,
            "problem_numbers",
            _("No problem of %(community)s you can see has the number %(numbers)s.")
            % {"community": community.name, "numbers": ", ".join(missing)},
        )
    refused = [
        n
        for n, p in found.items()
        if p.state in NOT_LINKABLE or (open_only and p.state not in problem_queries.OPEN_STATES)
    ]
    if refused:
        add_error(
            errors,
            "problem_numbers",
            _("Problems %(numbers)s are not open to work on.") % {"numbers": ", ".join(refused)},
        )
    return list(found.values())


def photos_of(
    photos_before: Sequence[PhotoUpload], photos_after: Sequence[PhotoUpload], errors: Errors
) -> dict[str, list[Any]]:
    checked: dict[str, list[Any]] = {}
    for kind, uploads, field in (
        (PhotoKind.BEFORE, photos_before, "photos_before"),
        (PhotoKind.AFTER, photos_after, "photos_after"),
    ):
        try:
            checked[kind] = photos_check(list(uploads or ()), field=field)
        except ValidationError as refused:
            for name, messages in refused.message_dict.items():
                for message in messages:
                    add_error(errors, name, message)
            checked[kind] = []
    return checked
