"""Every write to the funds ledger: contributions (投入资金) a unit spent for a community.

Who may write (DESIGN.md section 3, "unit liaison: their unit: … funds"):

- a unit liaison records contributions of their own unit, for a community the
  unit was paired with on the contribution's date, and may change or archive
  them for ``CONTRIBUTION_EDIT_DAYS`` (default 30) after they were entered;
- the city office records them for any unit and any community (a city that
  starts mid-campaign enters its history), and changes or archives any
  contribution — after the edit window only with a reason, which the history
  keeps.

Amounts are integer fen: text is read by :func:`gongzhi.core.money.parse_money`
("8万", "80,000.00"), an ``int`` is taken as fen. Rows are never deleted: they
are archived, and every change keeps a history row with who, when and why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gongzhi.activities.models import Contribution, PhotoKind
from gongzhi.activities.services_evidence import activity_photos_store
from gongzhi.areas.models import Community
from gongzhi.core.archive import mark_archived, mark_restored, save_with_history
from gongzhi.core.codes import normalise_code
from gongzhi.core.money import MAX_FEN, format_yuan, parse_money
from gongzhi.core.photo_store import MAX_PHOTOS, PhotoUpload, photos_check
from gongzhi.core.scoping import scope_of
from gongzhi.core.validation import UNSET, Errors
from gongzhi.core.validation import Unset as _Unset
from gongzhi.core.validation import add_error as _add
from gongzhi.core.validation import raise_if_errors as _raise_if
from gongzhi.problems.models import Problem
from gongzhi.problems.queries import problems_visible_to
from gongzhi.units.models import Unit
from gongzhi.units.queries import pairings_valid_on, units_visible_to

DEFAULT_EDIT_DAYS: Final = 30
#: Dates before this are typing mistakes, not contributions.
EARLIEST_DATE: Final = dt.date(2000, 1, 1)
PURPOSE_MAX: Final = 200
#: django-simple-history keeps a change reason of at most 100 characters.
REASON_MAX: Final = 100
MAX_PROBLEMS: Final = 50
#: Receipts one contribution may hold in all.
MAX_RECEIPTS: Final = 3 * MAX_PHOTOS
_NUMBER_SEPARATORS = re.compile(r"[\s,，、;；]+")


# --- who may do what ------------------------------------------------------------------


def edit_days() -> int:
    """How many days after entering a contribution its unit may still change it."""
    return int(getattr(settings, "CONTRIBUTION_EDIT_DAYS", DEFAULT_EDIT_DAYS))


def editable_until(contribution: Contribution) -> dt.datetime:
    """When the unit's edit window of ``contribution`` closes."""
    return contribution.created_at + dt.timedelta(days=edit_days())


def in_edit_window(contribution: Contribution) -> bool:
    return timezone.now() < editable_until(contribution)


def may_record_contributions(user: Any) -> bool:
    """The office, and unit liaisons (for their units)."""
    scope = scope_of(user)
    return scope.is_office or bool(scope.unit_ids)


def may_record_for(user: Any, unit: Unit) -> bool:
    scope = scope_of(user)
    return scope.is_office or unit.pk in scope.unit_ids


def may_change(user: Any, contribution: Contribution) -> bool:
    """Change or archive: the office always; the unit's liaison inside the edit window,
    while the contribution is not archived."""
    scope = scope_of(user)
    if scope.is_office:
        return True
    return (
        contribution.unit_id in scope.unit_ids
        and contribution.archived_at is None
        and in_edit_window(contribution)
    )


def reason_required(user: Any, contribution: Contribution) -> bool:
    """After the edit window the office changes a contribution only with a reason."""
    return scope_of(user).is_office and not in_edit_window(contribution)


def may_restore(user: Any, contribution: Contribution) -> bool:
    return scope_of(user).is_office and contribution.archived_at is not None


# --- cleaning -------------------------------------------------------------------------


def clean_amount(errors: Errors, field: str, amount: Any) -> int | None:
    """Fen from text (any form :func:`parse_money` reads) or from an ``int`` of fen."""
    if isinstance(amount, bool) or amount is None:
        _add(errors, field, _("Enter an amount."))
        return None
    if isinstance(amount, int):
        if amount <= 0:
            _add(errors, field, _("The amount must be more than zero."))
            return None
        if amount > MAX_FEN:
            _add(
                errors,
                field,
                _("The amount is too large: at most %(max)s yuan (10亿元) per entry.")
                % {"max": format_yuan(MAX_FEN)},
            )
            return None
        return amount
    try:
        return parse_money(str(amount))
    except ValidationError as exc:
        for message in exc.messages:
            _add(errors, field, str(message))
        return None


def _clean_date(errors: Errors, value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            _add(errors, "date", _("Enter a date as YYYY-MM-DD."))
            return None
    if not isinstance(value, dt.date):
        _add(errors, "date", _("Enter a date as YYYY-MM-DD."))
        return None
    today = timezone.localdate()
    if value > today:
        _add(
            errors,
            "date",
            _("The date cannot be in the future (today is %(today)s).")
            % {"today": date_format(today, "Y-m-d")},
        )
        return None
    if value < EARLIEST_DATE:
        _add(errors, "date", _("Check the year: the date is before 2000."))
        return None
    return value


def _clean_text(errors: Errors, field: str, value: Any, max_length: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > max_length:
        _add(
            errors,
            field,
            _("At most %(max)d characters (it has %(n)d).") % {"max": max_length, "n": len(text)},
        )
    return text


def _clean_unit(errors: Errors, user: Any, unit_code: Any) -> Unit | None:
    """An active unit the user can see; one they cannot see reads as unknown."""
    code = normalise_code(str(unit_code or ""))
    if not code:
        _add(errors, "unit_code", _("This field is required."))
        return None
    unit = units_visible_to(user).filter(code=code).first()
    if unit is None:
        _add(errors, "unit_code", _("No unit with the code %(code)s.") % {"code": code})
    return unit


def _clean_community(errors: Errors, community_code: Any) -> Community | None:
    code = normalise_code(str(community_code or ""))
    if not code:
        _add(errors, "community_code", _("This field is required."))
        return None
    community = (
        Community.objects.filter(code=code, archived_at__isnull=True)
        .select_related("street")
        .first()
    )
    if community is None:
        _add(errors, "community_code", _("No community with the code %(code)s.") % {"code": code})
    return community


def problem_numbers_from(value: Any) -> list[str]:
    """Problem numbers from a list or from text separated by commas, 、 or spaces."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    numbers: list[str] = []
    for item in items:
        for part in _NUMBER_SEPARATORS.split(str(item)):
            if part and part not in numbers:
                numbers.append(part)
    return numbers


def _clean_problems(
    errors: Errors, user: Any, value: Any, community: Community | None
) -> list[Problem]:
    numbers = problem_numbers_from(value)
    if len(numbers) > MAX_PROBLEMS:
        _add(
            errors,
            "problem_numbers",
            _("Link at most %(n)d problems.") % {"n": MAX_PROBLEMS},
        )
        return []
    if not numbers:
        return []
    found = {p.number: p for p in problems_visible_to(user).filter(number__in=numbers)}
    problems: list[Problem] = []
    for number in numbers:
        problem = found.get(number)
        if problem is None:
            _add(
                errors,
                "problem_numbers",
                _("No problem numbered %(number)s.") % {"number": number},
            )
        elif community is not None and problem.community_id != community.pk:
            _add(
                errors,
                "problem_numbers",
                _("Problem %(number)s lies in %(other)s, not in %(community)s.")
                % {
                    "number": number,
                    "other": problem.community.name,
                    "community": community.name,
                },
            )
        else:
            problems.append(problem)
    return problems


def _check_pairing(
    errors: Errors, user: Any, unit: Unit, community: Community, day: dt.date
) -> None:
    """A unit liaison records only for a community their unit was paired with that day."""
    if scope_of(user).is_office:
        return
    if not pairings_valid_on(day).filter(unit=unit, community=community).exists():
        _add(
            errors,
            "community_code",
            _(
                "%(unit)s was not paired with %(community)s on %(date)s; "
                "ask the city office to record this contribution."
            )
            % {
                "unit": unit.short_name or unit.name,
                "community": community.name,
                "date": date_format(day, "Y-m-d"),
            },
        )


def _check_receipts(errors: Errors, receipts: Sequence[PhotoUpload], already: int = 0) -> list[Any]:
    if not receipts:
        return []
    if already + len(receipts) > MAX_RECEIPTS:
        _add(
            errors,
            "receipts",
            _("A contribution holds at most %(n)d receipt photos.") % {"n": MAX_RECEIPTS},
        )
        return []
    try:
        return photos_check(receipts, field="receipts")
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                _add(errors, field, message)
        return []


def _check_reason(errors: Errors, user: Any, contribution: Contribution, reason: Any) -> str:
    text = _clean_text(errors, "reason", reason, REASON_MAX)
    if reason_required(user, contribution) and not text:
        _add(
            errors,
            "reason",
            _("The edit window closed on %(date)s: give a reason for this correction.")
            % {"date": date_format(timezone.localtime(editable_until(contribution)), "Y-m-d")},
        )
    return text


def _set_problems(contribution: Contribution, problems: list[Problem]) -> None:
    """Link ``problems`` without a history row of their own: the next history row
    (written by the caller's save) records the links with the other changes."""
    contribution.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        contribution.problems.set(problems)
    finally:
        del contribution.skip_history_when_saving  # type: ignore[attr-defined]


def _deny_change(user: Any, contribution: Contribution) -> None:
    if may_change(user, contribution):
        return
    scope = scope_of(user)
    if contribution.unit_id in scope.unit_ids and contribution.archived_at is None:
        raise PermissionDenied(
            _(
                "This contribution was entered more than %(days)d days ago; "
                "only the city office can correct it now."
            )
            % {"days": edit_days()}
        )
    raise PermissionDenied(_("You may not change this contribution."))


def _duplicate_of(unit: Unit, community: Community, day: dt.date, fen: int) -> Contribution | None:
    return (
        Contribution.objects.active()
        .filter(unit=unit, community=community, date=day, amount_fen=fen)
        .order_by("pk")
        .first()
    )


# --- use cases ------------------------------------------------------------------------


@transaction.atomic
def contribution_record(
    *,
    user: Any,
    unit_code: str,
    community_code: str,
    date: dt.date | str,
    amount: str | int,
    purpose: str = "",
    problem_numbers: Sequence[str] | str = (),
    receipts: Sequence[PhotoUpload] = (),
    allow_duplicate: bool = False,
) -> Contribution:
    """Record money ``unit_code`` spent for ``community_code`` on ``date``.

    ``amount`` is text ("8万", "80,000.00") or an ``int`` of fen. A liaison's
    community must have been paired with their unit on that date. The same
    unit, community, date and amount twice is refused as a probable double
    entry unless ``allow_duplicate``. Receipt photos are checked before
    anything is written and stored with the contribution.
    """
    if not may_record_contributions(user):
        raise PermissionDenied(_("You may not record contributions."))
    errors: Errors = {}
    unit = _clean_unit(errors, user, unit_code)
    if unit is not None and not may_record_for(user, unit):
        raise PermissionDenied(_("You may record contributions of your own unit only."))
    community = _clean_community(errors, community_code)
    day = _clean_date(errors, date)
    fen = clean_amount(errors, "amount", amount)
    clean_purpose = _clean_text(errors, "purpose", purpose, PURPOSE_MAX)
    problems = _clean_problems(errors, user, problem_numbers, community)
    if unit is not None and community is not None and day is not None:
        _check_pairing(errors, user, unit, community, day)
    checked = _check_receipts(errors, receipts)
    if not errors and unit and community and day and fen and not allow_duplicate:
        twin = _duplicate_of(unit, community, day, fen)
        if twin is not None:
            _add(
                errors,
                "allow_duplicate",
                _(
                    "%(amount)s yuan from this unit for this community on this date is "
                    "already recorded (no. %(id)d). Record it again only if it is a "
                    "second payment."
                )
                % {"amount": format_yuan(fen), "id": twin.pk},
            )
    _raise_if(errors)
    assert unit and community and day and fen  # noqa: S101 - narrowed by the checks above
    contribution = Contribution(
        unit=unit,
        community=community,
        date=day,
        amount_fen=fen,
        purpose=clean_purpose,
        entered_by=user,
    )
    save_with_history(contribution, user)
    if problems:
        _set_problems(contribution, problems)
        _snapshot_problems(contribution)
    if checked:
        activity_photos_store(
            user=user, checked=checked, kind=PhotoKind.RECEIPT, contribution=contribution
        )
    return contribution


def _snapshot_problems(contribution: Contribution) -> None:
    """Copy the problem links into the creation's history row, which was written before
    the links existed (django-simple-history keeps links per history row)."""
    record: Any = contribution.history.order_by("-history_id").first()
    if record is None:
        return
    links: Any = type(record)._meta.get_field("historicalcontribution_problems").related_model
    links.objects.bulk_create(
        [
            links(
                id=row.pk,
                contribution_id=row.contribution_id,
                problem_id=row.problem_id,
                history=record,
            )
            for row in Contribution.problems.through.objects.filter(contribution=contribution)
        ]
    )


@transaction.atomic
def contribution_update(
    *,
    user: Any,
    contribution: Contribution,
    community_code: str | _Unset = UNSET,
    date: dt.date | str | _Unset = UNSET,
    amount: str | int | _Unset = UNSET,
    purpose: str | _Unset = UNSET,
    problem_numbers: Sequence[str] | str | _Unset = UNSET,
    receipts: Sequence[PhotoUpload] = (),
    reason: str = "",
) -> Contribution:
    """Change a contribution (its unit stays: archive it and record another instead).

    The unit's liaison inside the edit window, the office always — after the
    window with a ``reason``, kept in the history. Receipts given are added.
    """
    _deny_change(user, contribution)
    contribution = (
        Contribution.objects.select_for_update()
        .select_related("unit", "community")
        .get(pk=contribution.pk)
    )
    _deny_change(user, contribution)
    if contribution.archived_at is not None:
        raise ValidationError(
            {"__all__": [_("This contribution is archived; restore it before changing it.")]}
        )
    errors: Errors = {}
    clean_reason = _check_reason(errors, user, contribution, reason)
    community: Community | None = contribution.community
    if not isinstance(community_code, _Unset):
        community = _clean_community(errors, community_code)
    day: dt.date | None = contribution.date
    if not isinstance(date, _Unset):
        day = _clean_date(errors, date)
    fen: int | None = contribution.amount_fen
    if not isinstance(amount, _Unset):
        fen = clean_amount(errors, "amount", amount)
    clean_purpose = contribution.purpose
    if not isinstance(purpose, _Unset):
        clean_purpose = _clean_text(errors, "purpose", purpose, PURPOSE_MAX)
    problems: list[Problem] | None = None
    if not isinstance(problem_numbers, _Unset):
        problems = _clean_problems(errors, user, problem_numbers, community)
    elif community is not None and community.pk != contribution.community_id:
        # The linked problems must lie in the new community too.
        current = [p.number for p in contribution.problems.all()]
        problems = _clean_problems(errors, user, current, community)
    moved = community is not None and (
        community.pk != contribution.community_id or day != contribution.date
    )
    if moved and community is not None and day is not None:
        _check_pairing(errors, user, contribution.unit, community, day)
    checked = _check_receipts(errors, receipts, already=contribution.photos.count())
    _raise_if(errors)
    assert community and day and fen  # noqa: S101 - narrowed by the checks above
    contribution.community = community
    contribution.date = day
    contribution.amount_fen = fen
    contribution.purpose = clean_purpose
    if problems is not None:
        _set_problems(contribution, problems)
    save_with_history(contribution, user, clean_reason or None)
    if checked:
        activity_photos_store(
            user=user, checked=checked, kind=PhotoKind.RECEIPT, contribution=contribution
        )
    return contribution


@transaction.atomic
def contribution_archive(
    *, user: Any, contribution: Contribution, reason: str = ""
) -> Contribution:
    """Take a contribution out of every total; it stays readable with its history.

    Same people and window as :func:`contribution_update`; the reason, if any,
    is kept in the history.
    """
    _deny_change(user, contribution)
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if contribution.archived_at is not None:
        return contribution
    errors: Errors = {}
    clean_reason = _check_reason(errors, user, contribution, reason)
    _raise_if(errors)
    if clean_reason:
        contribution.archived_at = timezone.now()
        return save_with_history(contribution, user, clean_reason)
    return mark_archived(contribution, user)


@transaction.atomic
def contribution_restore(*, user: Any, contribution: Contribution) -> Contribution:
    """Bring an archived contribution back into the totals (the office only)."""
    if not scope_of(user).is_office:
        raise PermissionDenied(_("Only the city office may restore a contribution."))
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    return mark_restored(contribution, user)
