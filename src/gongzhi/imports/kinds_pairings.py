"""Pairings (双报到 结对): unit + community + start date, overlaps refused as the services
refuse them; written through ``units.services.pairing_create`` / ``pairing_end``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.areas.models import Community
from gongzhi.imports import lookups, parsing
from gongzhi.imports.base import CellError, Column, Context, Importer, Plan, Row, RowInvalid
from gongzhi.imports.columns import community_column, unit_column
from gongzhi.imports.kinds_registry import run_each
from gongzhi.imports.registry import register
from gongzhi.units import permissions as unit_permissions
from gongzhi.units import services as unit_services
from gongzhi.units.models import Pairing, Unit
from gongzhi.units.queries import pairings_visible_to


@register
class PairingImporter(Importer):
    kind = "pairings"
    title = gettext_lazy("Pairings")
    sheet_name = "结对关系"
    order = 30
    slow_write = True
    natural_key = ("unit", "community", "start")
    rules = (
        gettext_lazy(
            "A pairing is found by unit, community and start date; a known pairing may get an end date."
        ),
        gettext_lazy(
            "Pairings of the same unit and community may not overlap, in the file or with existing ones."
        ),
        gettext_lazy(
            "District and street officers import pairings with communities of their area."
        ),
    )
    columns = (
        unit_column("unit"),
        community_column("community"),
        Column(
            "start",
            "开始日期",
            parsing.date,
            required=True,
            label=gettext_lazy("From"),
            help=gettext_lazy("2021-07-01, 2021/7/1 or 2021年7月1日."),
            example="2021-07-01",
            width=14,
        ),
        Column(
            "end",
            "结束日期",
            parsing.date,
            label=gettext_lazy("Until"),
            help=gettext_lazy("Empty: still paired."),
            example="",
            width=14,
        ),
    )

    @classmethod
    def may_import(cls, user: Any) -> bool:
        return unit_permissions.may_create_pairings(user)

    def prepare(self, ctx: Context) -> None:
        ctx.cache["units"] = lookups.unit_index()
        ctx.cache["communities"] = lookups.community_index()

    def clean_row(self, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
        errors: list[CellError] = []
        unit = ctx.cache["units"].get(values["unit"])
        community = ctx.cache["communities"].get(values["community"])
        if unit is None:
            errors.append(
                CellError(
                    _("No unit with the credit code %(code)s.") % {"code": values["unit"]}, "unit"
                )
            )
        elif unit.archived:
            errors.append(CellError(_("This unit is archived."), "unit"))
        if community is None:
            errors.append(
                CellError(
                    _("No community with the code %(code)s.") % {"code": values["community"]},
                    "community",
                )
            )
        elif community.archived:
            errors.append(CellError(_("This community is archived."), "community"))
        elif not (
            ctx.scope.is_office
            or community.street_id in ctx.scope.street_ids
            or community.district_id in ctx.scope.district_ids
        ):
            errors.append(CellError(_("You may not pair units with this community."), "community"))
        if values["end"] is not None and values["end"] < values["start"]:
            errors.append(CellError(_("The end date cannot be before the start date."), "end"))
        if errors:
            raise RowInvalid(errors)
        values["unit_id"], values["community_id"] = unit.id, community.id
        values["unit"], values["community"] = unit, community
        return values

    def key_of(self, values: dict[str, Any]) -> Any:
        return (values["unit_id"], values["community_id"], values["start"])

    def plan(self, rows: list[Row], ctx: Context) -> Plan:
        plan = Plan()
        by_pair: dict[tuple[int, int], list[Pairing]] = defaultdict(list)
        unit_ids = {row.values["unit_id"] for row in rows}
        for batch in lookups.chunks(sorted(unit_ids)):
            for pairing in Pairing.objects.filter(unit_id__in=batch, archived_at__isnull=True):
                by_pair[(pairing.unit_id, pairing.community_id)].append(pairing)
        in_file: dict[tuple[int, int], list[Row]] = defaultdict(list)
        for row in rows:
            in_file[(row.values["unit_id"], row.values["community_id"])].append(row)
        for pair, pair_rows in in_file.items():
            existing = {p.start: p for p in by_pair.get(pair, [])}
            spans: list[tuple[Any, Any, str]] = [
                (p.start, p.end, _("an existing pairing"))
                for p in existing.values()
                if p.start not in {r.values["start"] for r in pair_rows}
            ]
            for row in sorted(pair_rows, key=lambda r: r.values["start"]):
                start, end = row.values["start"], row.values["end"]
                clash = next(
                    (
                        label
                        for s, e, label in spans
                        if start <= (e or start.max) and s <= (end or start.max)
                    ),
                    None,
                )
                if clash is not None:
                    plan.errors.append(
                        self.error(
                            row.number,
                            "start",
                            _("This pairing overlaps %(other)s of the same unit and community.")
                            % {"other": clash},
                        )
                    )
                    continue
                spans.append((start, end, _("row %(row)d") % {"row": row.number}))
                current = existing.get(start)
                if current is None:
                    plan.creates.append(row)
                elif current.end == end:
                    plan.unchanged += 1
                elif end is None:
                    plan.errors.append(
                        self.error(
                            row.number,
                            "end",
                            _("This pairing ended on %(end)s; an import cannot reopen it.")
                            % {"end": str(current.end)},
                        )
                    )
                else:
                    plan.updates.append((row, current))
        return plan

    def write(self, plan: Plan, ctx: Context) -> None:
        unit_ids = {row.values["unit_id"] for row in plan.creates}
        community_ids = {row.values["community_id"] for row in plan.creates}
        units = Unit.objects.in_bulk(unit_ids)
        communities = Community.objects.select_related("street").in_bulk(community_ids)
        run_each(
            type(self),
            [(row.number, row) for row in plan.creates],
            lambda row: unit_services.pairing_create(
                user=ctx.user,
                unit=units[row.values["unit_id"]],
                community=communities[row.values["community_id"]],
                start=row.values["start"],
                end=row.values["end"],
            ),
            ctx,
            plan.created + plan.updated,
        )
        run_each(
            type(self),
            [(row.number, (row, pairing)) for row, pairing in plan.updates],
            lambda item: unit_services.pairing_end(
                user=ctx.user, pairing=item[1], end=item[0].values["end"]
            ),
            ctx,
            plan.created + plan.updated,
        )

    def export_rows(self, user: Any) -> Iterable[dict[str, Any]]:
        pairings = (
            pairings_visible_to(user)
            .select_related("unit", "community")
            .order_by("unit__code", "community__code", "start")
        )
        for pairing in pairings:
            yield {
                "unit": pairing.unit.code,
                "community": pairing.community.code,
                "start": pairing.start,
                "end": pairing.end,
            }
