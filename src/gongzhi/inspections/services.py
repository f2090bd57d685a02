"""Every write of an inspection: the draft saved as the inspector types, findings with
their photos, submitting (which raises the rectification problems), and the office's
correction of a submitted inspection.

An inspection is addressed by its round number and the unit's credit code. Who may
read it is :func:`gongzhi.inspections.queries.inspection_target` (out of scope: 404);
who may fill it in is :func:`gongzhi.inspections.queries.inspect_refusal` (403 with the
reason): the inspectors of the group the unit is assigned to while the round is open,
and the office. A submitted inspection is locked: only the office changes it, through
:func:`inspection_correct` with a reason kept in the history. Values are checked all
together, with messages naming the field (``date``, ``community_code``, ``session_id``,
``scores.<item code>``, ``comments.<item code>``, ``notes``), and nothing is written
when one is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.activities.queries import session_has_community
from gongzhi.areas.models import Community
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.archive import save_with_history
from gongzhi.core.codes import normalise_code
from gongzhi.core.photo_store import MAX_PHOTOS, PhotoUpload, photos_check, store_photo
from gongzhi.core.scoping import get_visible_or_404, scope_of
from gongzhi.core.validation import UNSET, Errors, Unset, add_error, raise_if_errors
from gongzhi.inspections import queries, seed
from gongzhi.inspections.models import (
    ChecklistItem,
    Finding,
    FindingPhoto,
    Inspection,
    InspectionStatus,
    ItemKind,
    ItemScore,
)
from gongzhi.inspections.queries import Target
from gongzhi.problems.models import Category
from gongzhi.problems.services import problem_report_dispatched

#: The change reason is kept in the history table, whose column holds 100 characters.
MAX_REASON: Final = 100
NOTES_LENGTH: Final = 2000
COMMENT_LENGTH: Final = 200
FINDING_LENGTH: Final = 2000
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

YES: Final = frozenset({"yes", "true", "1", "y", "pass", "passed"})
NO: Final = frozenset({"no", "false", "0", "n", "fail", "failed"})


def locked_message() -> str:
    return str(
        _(
            "This inspection is submitted and locked; only the city office corrects it, "
            "with a reason."
        )
    )


def _writable(user: Any, round_number: Any, unit_code: Any) -> Target:
    """The target ``user`` asks to fill in, locked for the transaction; 404 out of scope,
    403 (with the reason) when they may not fill it in."""
    target = queries.inspection_target(user, round_number, unit_code, for_update=True)
    refusal = queries.inspect_refusal(user, target)
    if refusal:
        raise PermissionDenied(refusal)
    return target


def _is_submitted(target: Target) -> bool:
    return target.inspection is not None and target.inspection.status == InspectionStatus.SUBMITTED


# --- checking values ------------------------------------------------------------------------


@dataclass
class _Values:
    """Checked values: fields of the inspection, and item answers and comments by item."""

    fields: dict[str, Any] = field(default_factory=dict)
    answers: dict[int, Any] = field(default_factory=dict)
    comments: dict[int, str] = field(default_factory=dict)
    items: dict[int, ChecklistItem] = field(default_factory=dict)


def _text(value: Any, name: str, limit: int, errors: Errors) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        add_error(errors, name, _("Enter text."))
        return ""
    text = value.strip()
    if len(text) > limit:
        add_error(errors, name, _("At most %(n)d characters.") % {"n": limit})
    return text


def _date(value: Any, errors: Errors) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    text = value.strip() if isinstance(value, str) else ""
    day = None
    if DATE_RE.match(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            day = None
    if day is None:
        add_error(errors, "date", _("Give the date as YYYY-MM-DD."))
    return day


def score_of(item: ChecklistItem, value: Any, name: str, errors: Errors) -> Decimal | None:
    """A scored item's value: a number from 0 to the item's maximum in whole or half
    points; empty clears it."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        add_error(errors, name, _("Enter a number of points."))
        return None
    try:
        score = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        add_error(errors, name, _("Enter a number of points."))
        return None
    maximum = item.max_score or Decimal(0)
    if not score.is_finite() or score < 0 or score > maximum:
        add_error(
            errors,
            name,
            _("“%(item)s” takes 0 to %(max)s points.")
            % {"item": item.text, "max": f"{maximum.normalize():f}"},
        )
        return None
    if (score * 2) % 1:
        add_error(errors, name, _("Use whole or half points, e.g. 7.5."))
        return None
    return score.quantize(Decimal("0.1"))


def passed_of(item: ChecklistItem, value: Any, name: str, errors: Errors) -> bool | None:
    """A check's answer: yes (met) or no (not met); empty clears it."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    add_error(errors, name, _("Answer “%(item)s” with yes or no.") % {"item": item.text})
    return None


def _session(value: Any, errors: Errors) -> Session | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not (
        isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
    ):
        add_error(errors, "session_id", _("Enter the id of a session."))
        return None
    session = Session.objects.select_related("campaign").filter(pk=int(value)).first()
    if session is None:
        add_error(errors, "session_id", _("No session has the id %(id)s.") % {"id": value})
    elif session.status != SessionStatus.SCHEDULED:
        add_error(errors, "session_id", _("That session was not held: choose a held one."))
        return None
    return session


def _clean(target: Target, given: dict[str, Any], errors: Errors) -> _Values:
    """Check the values given (absent keys stay as they are) against the round's checklist."""
    values = _Values()
    round_ = target.round
    inspection = target.inspection
    if "date" in given:
        values.fields["date"] = _date(given["date"], errors)
    if "community_code" in given:
        code = normalise_code(str(given["community_code"] or ""))
        # An archived community stays acceptable where it was already chosen.
        current = inspection.community_id if inspection else None
        community = (
            Community.objects.filter(Q(archived_at__isnull=True) | Q(pk=current), code=code).first()
            if code
            else None
        )
        if code and community is None:
            add_error(
                errors,
                "community_code",
                _("No community has the code “%(code)s”.") % {"code": code},
            )
        values.fields["community"] = community
    if "session_id" in given:
        values.fields["session"] = _session(given["session_id"], errors)
    if "notes" in given:
        values.fields["notes"] = _text(given["notes"], "notes", NOTES_LENGTH, errors)

    by_code = {
        item.code: item
        for item in queries.template_items(queries.template_criteria(round_.template))
    }
    for key in ("scores", "comments"):
        if key not in given or given[key] is None:
            continue
        if not isinstance(given[key], dict):
            add_error(errors, key, _("Enter an object of item codes and values."))
            continue
        for code, value in given[key].items():
            name = f"{key}.{code}"
            item = by_code.get(str(code))
            if item is None:
                add_error(
                    errors,
                    name,
                    _("No item of this checklist has the code “%(code)s”.") % {"code": code},
                )
                continue
            values.items[item.pk] = item
            if key == "comments":
                values.comments[item.pk] = _text(value, name, COMMENT_LENGTH, errors)
            elif item.kind == ItemKind.SCORED:
                values.answers[item.pk] = score_of(item, value, name, errors)
            else:
                values.answers[item.pk] = passed_of(item, value, name, errors)

    # The date, the session and the community must agree with each other and the round.
    day = values.fields.get("date", inspection.date if inspection else None)
    session = values.fields.get("session", inspection.session if inspection else None)
    community = values.fields.get("community", inspection.community if inspection else None)
    if session is not None and "session_id" not in errors:
        if day is None and "date" not in errors:
            day = values.fields["date"] = session.date
        elif day is not None and day != session.date:
            add_error(
                errors,
                "session_id",
                _("The session observed took place on %(session)s, not on %(date)s.")
                % {"session": session.date.isoformat(), "date": day.isoformat()},
            )
        if community is not None and not session_has_community(session, community.pk):
            add_error(
                errors,
                "session_id",
                _("That session's campaign does not cover %(community)s.")
                % {"community": community.name},
            )
    if day is not None and "date" not in errors and "date" in values.fields:
        if not round_.start <= day <= round_.end:
            add_error(
                errors,
                "date",
                _("The date must lie within round %(number)d (%(start)s to %(end)s).")
                % {
                    "number": round_.number,
                    "start": round_.start.isoformat(),
                    "end": round_.end.isoformat(),
                },
            )
        elif day > timezone.localdate():
            add_error(errors, "date", _("The date cannot lie in the future."))
    return values


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not isinstance(v, Unset)}


# --- writing ------------------------------------------------------------------------------


def _write_answers(inspection: Inspection, values: _Values) -> bool:
    """Write the item answers and comments; rows left empty are removed. Returns whether
    anything changed. A fixed number of queries whatever the number of items."""
    touched = set(values.answers) | set(values.comments)
    if not touched:
        return False
    existing = {
        row.item_id: row
        for row in ItemScore.objects.filter(inspection=inspection, item_id__in=touched)
    }
    new: list[ItemScore] = []
    changed: list[ItemScore] = []
    emptied: list[int] = []
    for item_id in sorted(touched):
        item = values.items[item_id]
        row = existing.get(item_id) or ItemScore(inspection=inspection, item=item)
        before = (row.score, row.passed, row.comment)
        if item_id in values.answers:
            if item.kind == ItemKind.SCORED:
                row.score = values.answers[item_id]
            else:
                row.passed = values.answers[item_id]
        if item_id in values.comments:
            row.comment = values.comments[item_id]
        empty = row.score is None and row.passed is None and not row.comment
        if row.pk is None:
            if not empty:
                new.append(row)
        elif empty:
            emptied.append(row.pk)
        elif (row.score, row.passed, row.comment) != before:
            changed.append(row)
    ItemScore.objects.bulk_create(new)
    ItemScore.objects.bulk_update(changed, ["score", "passed", "comment"])
    ItemScore.objects.filter(pk__in=emptied).delete()
    return bool(new or changed or emptied)


def _apply(user: Any, target: Target, values: _Values, *, reason: str | None = None) -> Inspection:
    """Write checked values onto the target's inspection, creating the draft if needed.

    The inspection row (and its history) is saved only when one of its own fields
    changes, or with ``reason`` (a correction); answers alone only touch ``updated_at``,
    so typing into a draft does not fill the history with rows.
    """
    inspection = target.inspection
    created = inspection is None
    if inspection is None:
        inspection = Inspection(
            round=target.round,
            unit=target.assignment.unit,
            group=target.assignment.group,
            inspector=user,
        )
    changed = created or bool(reason)
    if inspection.group_id != target.assignment.group_id:
        # The office moved the unit to another group: the inspection follows it.
        inspection.group = target.assignment.group
        changed = True
    for name, value in values.fields.items():
        if getattr(inspection, name) != value:
            setattr(inspection, name, value)
            changed = True
    if created:
        try:
            with transaction.atomic():
                save_with_history(inspection, user)
        except IntegrityError:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: [
                        _("Someone else started this inspection just now; open it again.")
                    ]
                }
            ) from None
        target.inspection = inspection
        _write_answers(inspection, values)
        return inspection
    _write_answers(inspection, values)
    if inspection.status == InspectionStatus.SUBMITTED:
        changed = _score(inspection) or changed
    if changed:
        save_with_history(inspection, user, reason)
    else:
        Inspection.objects.filter(pk=inspection.pk).update(updated_at=timezone.now())
        inspection.refresh_from_db(fields=["updated_at"])
    return inspection


def _score(inspection: Inspection) -> bool:
    """Compute the total and the grade of a complete inspection; whether they changed.

    Raises the list of what is missing when the inspection is not complete.
    """
    items = queries.template_items(queries.template_criteria(inspection.round.template))
    scores = queries.scores_by_item(inspection)
    missing = queries.missing_for_submit(inspection, items, scores, queries.findings_of(inspection))
    if missing:
        errors: Errors = {}
        for entry in missing:
            add_error(errors, entry.field, entry.message)
        raise ValidationError(errors)
    total = queries.total_of(items, scores).quantize(Decimal("0.1"))
    grade = queries.grade_for(total, seed.ranking_rules())
    changed = (inspection.total_score, inspection.grade) != (total, grade)
    inspection.total_score = total
    inspection.grade = grade
    return changed


# --- the draft -------------------------------------------------------------------------------


@transaction.atomic
def inspection_draft_save(
    *,
    user: Any,
    round_number: int,
    unit_code: str,
    date: Any = UNSET,
    community_code: Any = UNSET,
    session_id: Any = UNSET,
    scores: Any = UNSET,
    comments: Any = UNSET,
    notes: Any = UNSET,
) -> Inspection:
    """Create or update the draft inspection of a unit in a round; only the values given
    change, and a draft may be incomplete.

    ``scores`` maps item codes to values: points for scored items (0 to the maximum, in
    whole or half points), yes/no for checks; an empty value clears an answer.
    ``comments`` maps item codes to a remark (200 characters). The date lies within the
    round and not in the future; the community is any active one (the form offers the
    unit's paired ones first); the session observed, if any, was held on that date in a
    campaign covering the community (choosing it alone sets the date).
    """
    target = _writable(user, round_number, unit_code)
    if _is_submitted(target):
        raise PermissionDenied(locked_message())
    errors: Errors = {}
    given = _given(
        date=date,
        community_code=community_code,
        session_id=session_id,
        scores=scores,
        comments=comments,
        notes=notes,
    )
    values = _clean(target, given, errors)
    raise_if_errors(errors)
    return _apply(user, target, values)


@transaction.atomic
def inspection_submit(*, user: Any, round_number: int, unit_code: str) -> Inspection:
    """Submit a complete draft: it is scored, graded and locked.

    Complete means every item answered, the date and the community given, and evidence
    (a finding on the item with a photo) for every evidence-required item that falls
    short; otherwise the answer lists what is missing. The total is the sum of the
    scored items (100 at most); the grade follows the ranking rules' thresholds. Each
    finding that demands rectification becomes a ledger problem of its category in the
    community visited, dispatched to the unit with the category's deadline
    (:func:`gongzhi.problems.services.problem_report_dispatched`).
    """
    target = _writable(user, round_number, unit_code)
    inspection = target.inspection
    if inspection is None:
        inspection = _apply(user, target, _Values())
    elif inspection.status == InspectionStatus.SUBMITTED:
        raise ValidationError({NON_FIELD_ERRORS: [_("This inspection is already submitted.")]})
    _score(inspection)
    inspection.status = InspectionStatus.SUBMITTED
    inspection.submitted_at = timezone.now()
    save_with_history(inspection, user)
    for finding in queries.findings_of(inspection):
        if finding.demands_rectification and finding.problem_id is None:
            _rectify(user, inspection, finding)
    return inspection


def _rectify(user: Any, inspection: Inspection, finding: Finding) -> None:
    """Raise the ledger problem a finding demands, with copies of its photos."""
    if finding.category is None or inspection.community is None:  # pragma: no cover
        raise ValidationError(
            {"findings": [_("A finding that demands rectification needs a category.")]}
        )
    photos: list[PhotoUpload] = []
    for photo in finding.photos.all():
        with photo.original.open("rb") as handle:
            photos.append(handle.read())
    try:
        problem = problem_report_dispatched(
            user=user,
            category_code=finding.category.code,
            community_code=inspection.community.code,
            description=finding.text,
            unit_codes=[inspection.unit.code],
            photos=photos,
        )
    except ValidationError as exc:
        messages = exc.messages
        raise ValidationError(
            {
                "findings": [
                    _("The rectification of “%(finding)s” could not be raised: %(why)s")
                    % {"finding": finding.text[:40], "why": " ".join(messages)}
                ]
            }
        ) from exc
    finding.problem = problem
    finding.save(update_fields=["problem"])


# --- the office's correction ---------------------------------------------------------------


def _reason(reason: Any, errors: Errors) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        add_error(errors, "reason", _("Say why the inspection is corrected."))
    elif len(text) > MAX_REASON:
        add_error(
            errors, "reason", _("Give the reason in at most %(n)d characters.") % {"n": MAX_REASON}
        )
    return text


@transaction.atomic
def inspection_correct(
    *,
    user: Any,
    round_number: int,
    unit_code: str,
    reason: str,
    date: Any = UNSET,
    community_code: Any = UNSET,
    session_id: Any = UNSET,
    scores: Any = UNSET,
    comments: Any = UNSET,
    notes: Any = UNSET,
) -> Inspection:
    """The city office corrects a submitted inspection; ``reason`` is kept in its history.

    Only the values given change; the inspection must stay complete, and its total and
    grade are computed again.
    """
    target = queries.inspection_target(user, round_number, unit_code, for_update=True)
    if not scope_of(user).is_office:
        raise PermissionDenied(_("Only the city office corrects a submitted inspection."))
    if not _is_submitted(target):
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("This inspection is still a draft: change it directly.")]}
        )
    errors: Errors = {}
    text = _reason(reason, errors)
    given = _given(
        date=date,
        community_code=community_code,
        session_id=session_id,
        scores=scores,
        comments=comments,
        notes=notes,
    )
    if not given:
        add_error(errors, NON_FIELD_ERRORS, _("Change at least one value."))
    values = _clean(target, given, errors)
    raise_if_errors(errors)
    return _apply(user, target, values, reason=text)


# --- findings ------------------------------------------------------------------------------------


def _category(code: Any, errors: Errors) -> Category | None:
    text = str(code or "").strip()
    if not text:
        add_error(
            errors,
            "category_code",
            _("Choose the problem category of the rectification."),
        )
        return None
    category = Category.objects.active().filter(code=text).first()
    if category is None:
        add_error(
            errors, "category_code", _("No category has the code “%(code)s”.") % {"code": text}
        )
    return category


@transaction.atomic
def finding_add(
    *,
    user: Any,
    round_number: int,
    unit_code: str,
    text: str,
    item_code: str | None = None,
    demands_rectification: bool = False,
    category_code: str | None = None,
    photos: Sequence[PhotoUpload] = (),
    reason: str = "",
) -> Finding:
    """Record a finding of an inspection, with up to 9 photos, on a checklist item or on
    none; starting the draft if there is none yet.

    A finding that demands rectification needs a problem category; it becomes a ledger
    problem when the inspection is submitted. The office may also add a finding to a
    submitted inspection, giving a ``reason`` (kept in the history); its rectification
    is then raised at once.
    """
    target = queries.inspection_target(user, round_number, unit_code, for_update=True)
    submitted = _is_submitted(target)
    errors: Errors = {}
    if submitted:
        if not scope_of(user).is_office:
            raise PermissionDenied(locked_message())
        reason = _reason(reason, errors)
    else:
        refusal = queries.inspect_refusal(user, target)
        if refusal:
            raise PermissionDenied(refusal)
    body = _text(text, "text", FINDING_LENGTH, errors)
    if not body and "text" not in errors:
        add_error(errors, "text", _("Describe what was found."))
    item: ChecklistItem | None = None
    if item_code:
        item = ChecklistItem.objects.filter(
            criterion__template_id=target.round.template_id, code=str(item_code).strip()
        ).first()
        if item is None:
            add_error(
                errors,
                "item_code",
                _("No item of this checklist has the code “%(code)s”.") % {"code": item_code},
            )
    if not isinstance(demands_rectification, bool):
        add_error(errors, "demands_rectification", _("Enter true or false."))
        demands_rectification = False
    category = _category(category_code, errors) if demands_rectification else None
    if (
        demands_rectification
        and submitted
        and target.inspection
        and not target.inspection.community_id
    ):
        add_error(errors, "category_code", _("Choose the community visited first."))
    try:
        checked = photos_check(photos, field="photos")
    except ValidationError as refused:
        for name, messages in refused.message_dict.items():
            for message in messages:
                add_error(errors, name, message)
        checked = []
    raise_if_errors(errors)

    inspection = target.inspection or _apply(user, target, _Values())
    finding = Finding.objects.create(
        inspection=inspection,
        item=item,
        text=body,
        demands_rectification=demands_rectification,
        category=category,
    )
    for photo in checked:
        store_photo(FindingPhoto(finding=finding), photo.raw, photo.info, user)
    if submitted:
        if demands_rectification:
            _rectify(user, inspection, finding)
        save_with_history(inspection, user, reason)
    else:
        Inspection.objects.filter(pk=inspection.pk).update(updated_at=timezone.now())
    return finding


def _finding(user: Any, finding_id: Any) -> Finding:
    return get_visible_or_404(
        Finding.objects.filter(inspection__in=queries.inspections_visible_to(user)).select_related(
            "inspection__round", "inspection__unit"
        ),
        pk=finding_id,
    )


@transaction.atomic
def finding_photo_add(*, user: Any, finding_id: int, photo: PhotoUpload) -> FindingPhoto:
    """Add one photo to a finding of a draft (the office: of any inspection)."""
    finding = _finding(user, finding_id)
    inspection = finding.inspection
    target = queries.inspection_target(
        user, inspection.round.number, inspection.unit.code, for_update=True
    )
    if _is_submitted(target):
        if not scope_of(user).is_office:
            raise PermissionDenied(locked_message())
    else:
        refusal = queries.inspect_refusal(user, target)
        if refusal:
            raise PermissionDenied(refusal)
    if finding.photos.count() >= MAX_PHOTOS:
        raise ValidationError(
            {"photo": [_("A finding has at most %(n)d photos.") % {"n": MAX_PHOTOS}]}
        )
    checked = photos_check([photo], field="photo")[0]
    return store_photo(FindingPhoto(finding=finding), checked.raw, checked.info, user)


@transaction.atomic
def finding_delete(*, user: Any, finding_id: int) -> None:
    """Remove a finding (and its photos) from a draft."""
    finding = _finding(user, finding_id)
    inspection = finding.inspection
    target = _writable(user, inspection.round.number, inspection.unit.code)
    if _is_submitted(target):
        raise PermissionDenied(locked_message())
    photos = list(finding.photos.all())
    finding.delete()
    for photo in photos:
        for stored in (photo.original, photo.public, photo.thumb):
            if stored.name:
                stored.delete(save=False)
    Inspection.objects.filter(pk=inspection.pk).update(updated_at=timezone.now())
