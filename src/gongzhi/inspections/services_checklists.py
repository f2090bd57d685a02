"""Writing checklists: the office edits a checklist by making a new version of it.

A version in use is never changed: rounds keep the version they started with, and the
scores of their inspections point at its items. Editing the current version writes a
new one (``version + 1``, ``based_on`` the old one) and makes it current; rounds created
afterwards use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from gongzhi.core.scoping import get_visible_or_404, scope_of
from gongzhi.core.validation import Errors, add_error, raise_if_errors
from gongzhi.inspections import queries
from gongzhi.inspections.models import ChecklistItem, ChecklistTemplate, Criterion, ItemKind

#: The scored items of a checklist add up to this many points.
TOTAL_POINTS: Final = Decimal(100)
#: The largest maximum one item may have (the column holds 9999.9; no item is worth more
#: than the whole checklist).
MAX_ITEM_SCORE: Final = TOTAL_POINTS
CODE_LENGTH: Final = 40
NAME_LENGTH: Final = 80
TEXT_LENGTH: Final = 200
GUIDANCE_LENGTH: Final = 2000
MAX_CRITERIA: Final = 20
MAX_ITEMS: Final = 100


def _text(value: Any, field: str, limit: int, errors: Errors, *, required: bool) -> str:
    if value is not None and not isinstance(value, str):
        add_error(errors, field, _("Enter text."))
        return ""
    text = (value or "").strip()
    if required and not text:
        add_error(errors, field, _("This field is required."))
    elif len(text) > limit:
        add_error(errors, field, _("At most %(n)d characters.") % {"n": limit})
    return text


def _code(value: Any, field: str, errors: Errors, seen: set[str]) -> str:
    code = _text(value, field, CODE_LENGTH, errors, required=True)
    if code and not all(c.isascii() and (c.isalnum() or c in "_-.") for c in code):
        add_error(errors, field, _("Use letters, digits, “_”, “-” or “.” in a code."))
    elif code and code in seen:
        add_error(errors, field, _("The code “%(code)s” is used twice.") % {"code": code})
    seen.add(code)
    return code


def _max_score(value: Any, kind: str, field: str, errors: Errors) -> Decimal | None:
    if kind == ItemKind.CHECK:
        if value not in (None, ""):
            add_error(errors, field, _("A yes/no check has no maximum score."))
        return None
    if value in (None, "") or isinstance(value, bool):
        add_error(errors, field, _("A scored item needs a maximum score above 0."))
        return None
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        add_error(errors, field, _("Enter a number."))
        return None
    if not score.is_finite() or score <= 0:
        add_error(errors, field, _("A scored item needs a maximum score above 0."))
        return None
    if score > MAX_ITEM_SCORE:
        add_error(errors, field, _("At most %(n)s points.") % {"n": MAX_ITEM_SCORE})
        return None
    if (score * 2) % 1:
        add_error(errors, field, _("Use whole or half points, e.g. 7.5."))
        return None
    return score.quantize(Decimal("0.1"))


def _yes_no(value: Any, field: str, errors: Errors) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    add_error(errors, field, _("Enter true or false."))
    return False


def checklist_clean(criteria: Any) -> list[dict[str, Any]]:
    """Check a checklist given as ``[{code, name, items: [{code, text, kind, max_score,
    guidance, evidence_required}]}]`` and return it cleaned.

    Errors name their place: ``criteria.<i>.<field>`` and
    ``criteria.<i>.items.<j>.<field>`` (counting from 0), ``criteria`` for the whole.
    Criterion codes are unique; item codes are unique in the whole checklist (scores are
    given by item code); every criterion has an item; scored items have a maximum
    above 0 in whole or half points, checks none; the scored maximums total 100.
    """
    errors: Errors = {}
    if not isinstance(criteria, list | tuple) or not criteria:
        raise ValidationError({"criteria": [_("Give at least one criterion with its items.")]})
    if len(criteria) > MAX_CRITERIA:
        raise ValidationError({"criteria": [_("At most %(n)d criteria.") % {"n": MAX_CRITERIA}]})
    criterion_codes: set[str] = set()
    item_codes: set[str] = set()
    cleaned: list[dict[str, Any]] = []
    total = Decimal(0)
    count = 0
    for i, criterion in enumerate(criteria):
        at = f"criteria.{i}"
        if not isinstance(criterion, dict):
            add_error(errors, at, _("Enter an object."))
            continue
        row: dict[str, Any] = {
            "code": _code(criterion.get("code"), f"{at}.code", errors, criterion_codes),
            "name": _text(criterion.get("name"), f"{at}.name", NAME_LENGTH, errors, required=True),
            "items": [],
        }
        items = criterion.get("items")
        if not isinstance(items, list | tuple) or not items:
            add_error(errors, f"{at}.items", _("Give the criterion at least one item."))
            items = []
        for j, item in enumerate(items):
            place = f"{at}.items.{j}"
            if not isinstance(item, dict):
                add_error(errors, place, _("Enter an object."))
                continue
            count += 1
            kind = item.get("kind")
            if kind not in ItemKind.values:
                add_error(errors, f"{place}.kind", _("Choose scored or check."))
            max_score = (
                _max_score(item.get("max_score"), str(kind), f"{place}.max_score", errors)
                if kind in ItemKind.values
                else None
            )
            if max_score is not None:
                total += max_score
            row["items"].append(
                {
                    "code": _code(item.get("code"), f"{place}.code", errors, item_codes),
                    "text": _text(
                        item.get("text"), f"{place}.text", TEXT_LENGTH, errors, required=True
                    ),
                    "kind": kind,
                    "max_score": max_score,
                    "guidance": _text(
                        item.get("guidance"),
                        f"{place}.guidance",
                        GUIDANCE_LENGTH,
                        errors,
                        required=False,
                    ),
                    "evidence_required": _yes_no(
                        item.get("evidence_required"), f"{place}.evidence_required", errors
                    ),
                }
            )
        cleaned.append(row)
    if count > MAX_ITEMS:
        add_error(errors, "criteria", _("At most %(n)d items.") % {"n": MAX_ITEMS})
    if not errors and total != TOTAL_POINTS:
        add_error(
            errors,
            "criteria",
            _(
                "The maximum scores of the scored items add up to %(total)s; they must total %(want)s."
            )
            % {"total": f"{total.normalize():f}", "want": f"{TOTAL_POINTS:f}"},
        )
    raise_if_errors(errors)
    return cleaned


def _same(template: ChecklistTemplate, cleaned: Sequence[dict[str, Any]]) -> bool:
    def comparable(rows: Sequence[dict[str, Any]]) -> list[Any]:
        return [
            (
                c["code"],
                c["name"],
                [
                    (
                        i["code"],
                        i["text"],
                        i["kind"],
                        None if i["max_score"] is None else Decimal(i["max_score"]).normalize(),
                        i["guidance"],
                        bool(i["evidence_required"]),
                    )
                    for i in c["items"]
                ],
            )
            for c in rows
        ]

    return comparable(queries.template_as_data(template)) == comparable(cleaned)


@transaction.atomic
def template_edit(*, user: Any, template_id: int, criteria: Any) -> ChecklistTemplate:
    """The office edits the current version of a checklist: a new version is written and
    becomes current; the old one stays, unchanged, for the rounds that use it.

    ``criteria`` is the whole checklist (see :func:`checklist_clean`). Editing an older
    version is refused, and so is a checklist identical to the current version.
    """
    template = get_visible_or_404(
        queries.checklists_visible_to(user).select_for_update(), pk=template_id
    )
    if not scope_of(user).is_office:
        raise PermissionDenied(_("Only the city office edits checklists."))
    if not template.is_current:
        current = ChecklistTemplate.objects.filter(name=template.name, is_current=True).first()
        raise ValidationError(
            {
                "template": [
                    _("Version %(version)d is not the current one; edit version %(current)s.")
                    % {
                        "version": template.version,
                        "current": current.version if current else "—",
                    }
                ]
            }
        )
    cleaned = checklist_clean(criteria)
    if _same(template, cleaned):
        raise ValidationError({"criteria": [_("Nothing changed: no new version was made.")]})
    latest = ChecklistTemplate.objects.filter(name=template.name).aggregate(v=Max("version"))["v"]
    ChecklistTemplate.objects.filter(name=template.name, is_current=True).update(is_current=False)
    new = ChecklistTemplate.objects.create(
        name=template.name,
        version=(latest or template.version) + 1,
        based_on=template,
        is_current=True,
        created_by=user,
    )
    for position, criterion in enumerate(cleaned, start=1):
        row = Criterion.objects.create(
            template=new, code=criterion["code"], name=criterion["name"], ordering=position
        )
        ChecklistItem.objects.bulk_create(
            [
                ChecklistItem(
                    criterion=row,
                    code=item["code"],
                    text=item["text"],
                    kind=item["kind"],
                    max_score=item["max_score"],
                    guidance=item["guidance"],
                    evidence_required=item["evidence_required"],
                    ordering=index,
                )
                for index, item in enumerate(criterion["items"], start=1)
            ]
        )
    return new
