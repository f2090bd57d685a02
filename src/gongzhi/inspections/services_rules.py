"""Writes of the ranking rules (grade thresholds, ranking minimums, red and black lists).

Only the city office changes them; every change is kept in the rules' history with
who made it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.scoping import scope_of
from gongzhi.inspections.models import RankingRules
from gongzhi.inspections.seed import ranking_rules

THRESHOLDS = ("excellent_min", "good_min", "fair_min")
RATES = ("red_min_rectification", "black_max_rectification")
MINIMUMS = ("min_inspections", "cumulative_min_inspections")
LIST_SIZES = ("red_top", "black_bottom")
RULE_FIELDS = (
    *THRESHOLDS,
    *MINIMUMS,
    "red_top",
    "red_min_rectification",
    "black_bottom",
    "black_max_rectification",
)
#: Largest sample a ranking may ask for, and the longest red or black list.
MAX_MINIMUM = 50
MAX_LIST_SIZE = 1000


def _decimal(value: Any, places: int) -> Decimal | None:
    """``value`` as a Decimal with at most ``places`` decimals, or None when it is not one
    (more decimals are refused, not rounded away)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite():
            return None
        rounded = number.quantize(Decimal(1).scaleb(-places))
    except (InvalidOperation, ValueError):
        return None
    return rounded if rounded == number else None


def _whole(value: Any) -> int | None:
    number = _decimal(value, 0)
    return None if number is None else int(number)


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Check the whole set of rules; return it cleaned or raise naming each bad field."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name in THRESHOLDS:
        number = _decimal(values[name], 1)
        if number is None or not Decimal(0) <= number <= Decimal(100):
            errors[name] = _("Give a score from 0 to 100, with at most one decimal.")
        else:
            clean[name] = number
    for name in RATES:
        number = _decimal(values[name], 3)
        if number is None or not Decimal(0) <= number <= Decimal(1):
            errors[name] = _("Give a rate from 0 to 1 (0.9 is 90%), with at most three decimals.")
        else:
            clean[name] = number
    for name in MINIMUMS:
        whole = _whole(values[name])
        if whole is None or not 1 <= whole <= MAX_MINIMUM:
            errors[name] = _("Give a whole number from 1 to %(max)d.") % {"max": MAX_MINIMUM}
        else:
            clean[name] = whole
    for name in LIST_SIZES:
        whole = _whole(values[name])
        if whole is None or not 0 <= whole <= MAX_LIST_SIZE:
            errors[name] = _("Give a whole number from 0 to %(max)d.") % {"max": MAX_LIST_SIZE}
        else:
            clean[name] = whole
    excellent, good, fair = (clean.get(n) for n in THRESHOLDS)
    if good is not None and excellent is not None and good >= excellent:
        errors.setdefault(
            "good_min",
            _("The good grade must start below the excellent grade (%(excellent)s).")
            % {"excellent": excellent},
        )
    if fair is not None and good is not None and fair >= good:
        errors.setdefault(
            "fair_min",
            _("The fair grade must start below the good grade (%(good)s).") % {"good": good},
        )
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def ranking_rules_update(user: Any, **changes: Any) -> RankingRules:
    """Change some or all of the ranking rules (office only).

    ``changes`` are field names of :class:`RankingRules` (thresholds as scores out of
    100, rectification rates as fractions of 1); the others keep their value. The
    whole set is validated: excellent > good > fair, rates within 0..1, minimums of
    at least one inspection. Nothing changes when any value is refused.
    """
    if user is None or not scope_of(user).is_office:
        raise PermissionDenied(_("Only the city office may change the ranking rules."))
    unknown = sorted(set(changes) - set(RULE_FIELDS))
    if unknown:
        raise ValidationError({name: [_("There is no such rule.")] for name in unknown})
    rules: RankingRules = ranking_rules()
    rules = RankingRules.objects.select_for_update().get(pk=rules.pk)
    current = {name: getattr(rules, name) for name in RULE_FIELDS}
    clean = _clean({**current, **changes})
    changed = {name: value for name, value in clean.items() if value != current[name]}
    if not changed:
        return rules
    if not rules.history.exists():
        # The row seeded by a migration has no history: record what it was, so the
        # first change shows its old values.
        rules._history_user = None  # type: ignore[attr-defined]
        RankingRules.history.bulk_history_create([rules], default_date=rules.updated_at)
    for name, value in changed.items():
        setattr(rules, name, value)
    rules.updated_by = user
    rules._history_user = user  # type: ignore[attr-defined]
    rules.save()
    return rules
