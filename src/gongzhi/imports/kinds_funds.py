"""Import kind ``contributions``: money units spent for communities (投入资金).

One row is one payment: unit, community, date, amount (8万, 80000, 80,000.00 …)
and purpose. The rules are those of
:func:`gongzhi.activities.services_funds.contribution_record`, checked with its
own functions: the office imports any unit's payments (a city starting
mid-campaign enters its history); a unit liaison only their own unit's, for a
community the unit was paired with on that date; dates are not in the future
and not before 2000; amounts are more than zero and at most 10亿元.

Natural key. Contributions have no number of their own, so a row is identified
by everything it says: unit, community, date, amount and purpose. A row equal
to a recorded (not archived) contribution is left alone, so importing the same
file twice changes nothing. The import never changes or archives a recorded
contribution: corrections go through the contribution's page, with their edit
window and reason. A row with the same unit, community, date and amount as a
recorded contribution but another purpose looks like a double entry and is
refused, as on the form, unless its column 确认另一笔 says 是 (a second payment);
two payments of one day that differ in nothing must say so in their purpose.

Rows are written with :mod:`gongzhi.imports.bulk` with a history row each (the
importer, the time, "imported from FILE").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from typing import Any, Final

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from gongzhi.activities import services_funds as funds
from gongzhi.activities.models import Contribution
from gongzhi.activities.queries_funds import contributions_visible_to
from gongzhi.areas.models import Community
from gongzhi.core.money import format_yuan
from gongzhi.imports import bulk, parsing
from gongzhi.imports.base import CellError, Column, Context, Importer, Plan, Row, RowInvalid
from gongzhi.imports.columns import community_column, unit_column
from gongzhi.imports.registry import register
from gongzhi.units.models import Unit
from gongzhi.units.queries import units_visible_to

CREATE_FIELDS: Final = ("unit_id", "community_id", "date", "amount_fen", "purpose", "entered_by_id")


def _date(raw: Any) -> dt.date:
    """A date as :func:`parsing.date` reads it, within the limits the funds services set."""
    day = parsing.date(raw)
    errors: dict[str, list[str]] = {}
    funds._clean_date(errors, day)
    if errors:
        raise CellError(errors["date"][0])
    return day


def _amount(raw: Any) -> int:
    fen = parsing.money(raw)
    errors: dict[str, list[str]] = {}
    funds.clean_amount(errors, "amount", fen)
    if errors:
        raise CellError(errors["amount"][0])
    return fen


@register
class ContributionImporter(Importer):
    kind = "contributions"
    title = pgettext_lazy("import kind", "Contributions")
    sheet_name = "投入资金"
    order = 60
    columns = (
        unit_column(),
        community_column(),
        Column(
            "date",
            "日期",
            _date,
            required=True,
            aliases=("投入日期", "支出日期"),
            label=gettext_lazy("Date"),
            help=gettext_lazy("When the money was spent, e.g. 2021-09-10 or 2021年9月10日."),
            example="2021-09-10",
            width=14,
        ),
        Column(
            "amount",
            "金额（元）",
            _amount,
            required=True,
            aliases=("金额", "投入金额", "金额(元)", "amount_yuan"),
            label=gettext_lazy("Amount (yuan)"),
            help=gettext_lazy("In yuan: 80000, 80,000.00 or 8万."),
            example="8万",
            width=14,
        ),
        Column(
            "purpose",
            "用途",
            parsing.text(funds.PURPOSE_MAX),
            aliases=("资金用途",),
            label=gettext_lazy("Purpose"),
            example="垃圾清运",
            default="",
            width=30,
        ),
        Column(
            "allow_duplicate",
            "确认另一笔",
            parsing.yes_no,
            aliases=("另一笔",),
            label=gettext_lazy("A second payment"),
            help=gettext_lazy(
                "是 when the unit paid the same amount to the same community on the same "
                "date once more."
            ),
            choices=parsing.YES_NO_CHOICES,
            default=False,
            width=12,
        ),
    )
    natural_key = ("unit_code", "community_code", "date", "amount", "purpose")
    rules = (
        gettext_lazy(
            "A row equal to a recorded contribution (unit, community, date, amount and "
            "purpose) is left alone; recorded contributions are never changed by an import."
        ),
        gettext_lazy(
            "A unit liaison imports their own unit's contributions, for communities the "
            "unit was paired with on that date; the city office imports any."
        ),
        gettext_lazy(
            "The same unit, community, date and amount as a recorded contribution is a "
            "second payment only with 确认另一笔 = 是."
        ),
    )

    @classmethod
    def may_import(cls, user: Any) -> bool:
        return funds.may_record_contributions(user)

    def prepare(self, ctx: Context) -> None:
        ctx.cache["units"] = {
            u.code: u
            for u in units_visible_to(ctx.user).only(
                "pk", "code", "name", "short_name", "archived_at", "jurisdiction"
            )
        }
        ctx.cache["communities"] = {
            c.code: c
            for c in Community.objects.filter(archived_at__isnull=True).only("pk", "code", "name")
        }
        ctx.cache["pairing_errors"] = {}

    def clean_row(self, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
        errors: list[CellError] = []
        unit: Unit | None = ctx.cache["units"].get(values["unit_code"])
        if unit is None:
            errors.append(self._service_error(funds._clean_unit, ctx.user, values["unit_code"]))
        elif not funds.may_record_for(ctx.user, unit):
            errors.append(
                CellError(_("You may record contributions of your own unit only."), "unit_code")
            )
        community: Community | None = ctx.cache["communities"].get(values["community_code"])
        if community is None:
            errors.append(self._service_error(funds._clean_community, values["community_code"]))
        if not errors and unit is not None and community is not None:
            message = self._pairing_error(unit, community, values["date"], ctx)
            if message:
                errors.append(CellError(message, "community_code"))
        if errors:
            raise errors[0] if len(errors) == 1 else RowInvalid(errors)
        assert unit is not None and community is not None  # noqa: S101 - checked above
        values["unit_id"] = unit.pk
        values["community_id"] = community.pk
        return values

    @staticmethod
    def _service_error(clean: Any, *args: Any) -> CellError:
        """The funds service's own message for a code that finds nothing (errors only)."""
        errors: dict[str, list[str]] = {}
        clean(errors, *args)
        field, messages = next(iter(errors.items()), ("", [_("Unknown code.")]))
        return CellError(messages[0], field or None)

    def _pairing_error(self, unit: Unit, community: Community, day: dt.date, ctx: Context) -> str:
        """A liaison's unit must be paired with the community that day (the office need
        not); one check per unit, community and date."""
        if ctx.scope.is_office:
            return ""
        cache: dict[tuple[int, int, dt.date], str] = ctx.cache["pairing_errors"]
        key = (unit.pk, community.pk, day)
        if key not in cache:
            errors: dict[str, list[str]] = {}
            funds._check_pairing(errors, ctx.user, unit, community, day)
            cache[key] = errors["community_code"][0] if errors else ""
        return cache[key]

    def key_of(self, values: dict[str, Any]) -> Hashable | None:
        return (
            values["unit_id"],
            values["community_id"],
            values["date"],
            values["amount"],
            values["purpose"],
        )

    def plan(self, rows: list[Row], ctx: Context) -> Plan:
        plan = Plan()
        units = {row.values["unit_id"] for row in rows}
        days = {row.values["date"] for row in rows}
        recorded: set[tuple[int, int, dt.date, int, str]] = set()
        twins: dict[tuple[int, int, dt.date, int], int] = {}
        for pk, *key in (
            Contribution.objects.active()
            .filter(unit_id__in=units, date__in=days)
            .order_by("pk")
            .values_list("pk", "unit_id", "community_id", "date", "amount_fen", "purpose")
            .iterator(chunk_size=10_000)
        ):
            recorded.add(tuple(key))
            twins.setdefault(tuple(key[:4]), pk)
        user_id = ctx.user.pk
        for row in rows:
            v = row.values
            key = self.key_of(v)
            if key in recorded:
                plan.unchanged += 1
                continue
            twin = twins.get(key[:4])  # type: ignore[index]
            if twin is not None and not v["allow_duplicate"]:
                plan.errors.append(
                    self.error(
                        row.number,
                        "allow_duplicate",
                        _(
                            "%(amount)s yuan from this unit for this community on this date is "
                            "already recorded (no. %(id)d). Record it again only if it is a "
                            "second payment."
                        )
                        % {"amount": format_yuan(v["amount"]), "id": twin},
                    )
                )
                continue
            plan.creates.append(
                (v["unit_id"], v["community_id"], v["date"], v["amount"], v["purpose"], user_id)
            )
        return plan

    def write(self, plan: Plan, ctx: Context) -> None:
        note = bulk.HistoryNote(ctx.user.pk, ctx.history_reason, ctx.now)
        bulk.insert_rows(Contribution, CREATE_FIELDS, plan.creates, note=note)

    def export_rows(self, user: Any) -> Iterable[dict[str, Any]]:
        for c in contributions_visible_to(user).iterator(chunk_size=2_000):
            yield {
                "unit_code": c.unit.code,
                "community_code": c.community.code,
                "date": c.date,
                "amount": format_yuan(c.amount_fen),
                "purpose": c.purpose,
                "allow_duplicate": "",
            }
