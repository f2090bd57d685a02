"""Members of units (在职党员 / 志愿者), found by unit + ID card number, or unit + phone.

Rows are written through ``units.services.member_create`` / ``member_update``
(permission, validation, history); the ID card number and the national
volunteer number, which those services do not take, are saved right after in
the same transaction with their own history entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.areas.models import Community
from gongzhi.core.scoping import scope_of
from gongzhi.imports import lookups, parsing
from gongzhi.imports.base import (
    CellError,
    Column,
    Context,
    Importer,
    Plan,
    Row,
    RowError,
    RowInvalid,
)
from gongzhi.imports.columns import unit_column
from gongzhi.imports.kinds_registry import WRITE_REPORT_EVERY
from gongzhi.imports.registry import register
from gongzhi.units import permissions as unit_permissions
from gongzhi.units import services as unit_services
from gongzhi.units.models import Member, Unit
from gongzhi.units.queries import members_visible_to, units_visible_to

#: Compared always; the optional texts below only when the cell is filled in
#: (an empty phone, ID card or volunteer number cell leaves the stored one).
COMPARED: Final = ("name", "is_party_member", "residence_community_id")
KEPT_WHEN_EMPTY: Final = ("phone", "id_number", "volunteer_code")


def _differs(member: Member, values: dict[str, Any]) -> bool:
    return any(getattr(member, f) != values[f] for f in COMPARED) or any(
        values[f] and getattr(member, f) != values[f] for f in KEPT_WHEN_EMPTY
    )


def _member_unit_choices(user: Any) -> list[str]:
    units = units_visible_to(user)
    scope = scope_of(user)
    if not scope.is_office:
        units = units.filter(pk__in=scope.unit_ids)
    return [f"{code} {name}" for code, name in units.order_by("name").values_list("code", "name")]


@register
class MemberImporter(Importer):
    kind = "members"
    title = gettext_lazy("Members")
    sheet_name = "在职党员和志愿者"
    order = 40
    slow_write = True
    rules = (
        gettext_lazy(
            "A member is found by unit and ID card number, or by unit and phone when there is no ID card number; give at least one of the two."
        ),
        gettext_lazy("Unit liaisons import members of their own unit."),
    )
    columns = (
        unit_column("unit", choices=_member_unit_choices),
        Column(
            "name",
            "姓名",
            parsing.text(40),
            required=True,
            label=gettext_lazy("Name"),
            example="张三",
        ),
        Column(
            "id_number",
            "身份证号",
            parsing.id_number,
            aliases=("身份证号码",),
            label=gettext_lazy("ID card number"),
            help=gettext_lazy("18 characters, check character verified."),
            example="42130319900101001X",
            default="",
            width=22,
        ),
        Column(
            "phone",
            "手机号",
            parsing.phone,
            aliases=("联系电话", "电话"),
            label=gettext_lazy("Phone"),
            example="13800000000",
            default="",
            width=14,
        ),
        Column(
            "is_party_member",
            "是否党员",
            parsing.yes_no,
            label=gettext_lazy("Party member"),
            help=gettext_lazy("是 or 否; empty: 否."),
            example="是",
            choices=parsing.YES_NO_CHOICES,
            default=False,
        ),
        Column(
            "residence_community",
            "居住社区代码",
            parsing.community_ref,
            aliases=("居住社区",),
            label=gettext_lazy("Community of residence"),
            help=gettext_lazy("For members who also report where they live."),
            example="421303001001",
            choices=lookups.community_choices,
            width=30,
        ),
        Column(
            "volunteer_code",
            "志愿者编号",
            parsing.text(40),
            label=gettext_lazy("National volunteer number"),
            example="",
            default="",
        ),
    )

    @classmethod
    def may_import(cls, user: Any) -> bool:
        scope = scope_of(user)
        return scope.is_office or bool(scope.unit_ids)

    def prepare(self, ctx: Context) -> None:
        ctx.cache["units"] = lookups.unit_index()
        ctx.cache["communities"] = lookups.community_index()

    def clean_row(self, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
        errors: list[CellError] = []
        unit = ctx.cache["units"].get(values["unit"])
        if unit is None:
            errors.append(
                CellError(
                    _("No unit with the credit code %(code)s.") % {"code": values["unit"]}, "unit"
                )
            )
        elif unit.archived:
            errors.append(CellError(_("This unit is archived."), "unit"))
        elif not (ctx.scope.is_office or unit.id in ctx.scope.unit_ids):
            errors.append(CellError(_("You may only import members of your own unit."), "unit"))
        if not values["id_number"] and not values["phone"]:
            errors.append(
                CellError(
                    _("Give the ID card number or the phone: one of them identifies the member."),
                    "id_number",
                )
            )
        community_id = None
        if values["residence_community"]:
            community = ctx.cache["communities"].get(values["residence_community"])
            if community is None:
                errors.append(
                    CellError(
                        _("No community with the code %(code)s.")
                        % {"code": values["residence_community"]},
                        "residence_community",
                    )
                )
            else:
                community_id = community.id
        if errors:
            raise RowInvalid(errors)
        values["unit_id"] = unit.id
        values["residence_community_id"] = community_id
        return values

    def key_of(self, values: dict[str, Any]) -> Any:
        if values["id_number"]:
            return (values["unit_id"], "id", values["id_number"])
        return (values["unit_id"], "phone", values["phone"])

    def plan(self, rows: list[Row], ctx: Context) -> Plan:
        plan = Plan()
        by_id: dict[tuple[int, str], Member] = {}
        by_phone: dict[tuple[int, str], list[Member]] = {}
        unit_ids = sorted({row.values["unit_id"] for row in rows})
        ids = {row.values["id_number"] for row in rows if row.values["id_number"]}
        phones = {
            row.values["phone"]
            for row in rows
            if row.values["phone"] and not row.values["id_number"]
        }
        for units in lookups.chunks(unit_ids):
            for batch in lookups.chunks(sorted(ids)):
                for member in Member.objects.filter(unit_id__in=units, id_number__in=batch):
                    by_id[(member.unit_id, member.id_number)] = member
            for batch in lookups.chunks(sorted(phones)):
                for member in Member.objects.filter(Q(unit_id__in=units, phone__in=batch)):
                    by_phone.setdefault((member.unit_id, member.phone), []).append(member)
        for row in rows:
            values = row.values
            if values["id_number"]:
                member = by_id.get((values["unit_id"], values["id_number"]))
            else:
                found = by_phone.get((values["unit_id"], values["phone"]), [])
                if len(found) > 1:
                    plan.errors.append(
                        self.error(
                            row.number,
                            "phone",
                            _(
                                "Several members of this unit have this phone; give the ID card number."
                            ),
                        )
                    )
                    continue
                member = found[0] if found else None
            if member is None:
                plan.creates.append(row)
            elif not _differs(member, values):
                plan.unchanged += 1
            else:
                plan.updates.append((row, member))
        return plan

    def write(self, plan: Plan, ctx: Context) -> None:
        unit_ids = {row.values["unit_id"] for row in plan.creates}
        units = Unit.objects.in_bulk(unit_ids)
        community_ids = {
            row.values["residence_community_id"]
            for row in [*plan.creates, *(r for r, _m in plan.updates)]
            if row.values["residence_community_id"]
        }
        communities = Community.objects.in_bulk(community_ids)
        errors: list[RowError] = []

        written = 0
        total = plan.created + plan.updated

        def tick() -> None:
            nonlocal written
            written += 1
            if written % WRITE_REPORT_EVERY == 0:
                ctx.report_write(written, total)

        for row in plan.creates:
            values = row.values
            try:
                unit_services.member_create(
                    user=ctx.user,
                    unit=units[values["unit_id"]],
                    name=values["name"],
                    phone=values["phone"],
                    is_party_member=values["is_party_member"],
                    residence_community=communities.get(values["residence_community_id"] or 0),
                    id_number=values["id_number"],
                    volunteer_code=values["volunteer_code"],
                    reason=ctx.history_reason,
                )
            except (ValidationError, PermissionDenied) as exc:
                errors.extend(self.errors_from(row.number, exc))
            tick()
        for row, member in plan.updates:
            values = row.values
            try:
                unit_services.member_update(
                    user=ctx.user,
                    member=member,
                    name=values["name"],
                    phone=values["phone"] or member.phone,
                    is_party_member=values["is_party_member"],
                    residence_community=communities.get(values["residence_community_id"] or 0),
                    # An empty cell keeps what is recorded (see KEPT_WHEN_EMPTY).
                    id_number=values["id_number"] or member.id_number,
                    volunteer_code=values["volunteer_code"] or member.volunteer_code,
                    reason=ctx.history_reason,
                )
            except (ValidationError, PermissionDenied) as exc:
                errors.extend(self.errors_from(row.number, exc))
            tick()
        if errors:
            raise RowInvalid(errors)

    def export_rows(self, user: Any) -> Iterable[dict[str, Any]]:
        members = (
            members_visible_to(user)
            .select_related("unit", "residence_community")
            .order_by("unit__code", "name", "pk")
        )
        for member in members:
            full = unit_permissions.may_see_phone(user, member)
            yield {
                "unit": member.unit.code,
                "name": member.name,
                "id_number": member.id_number if full else "",
                "phone": member.phone if full else unit_permissions.mask_phone(member.phone),
                "is_party_member": "是" if member.is_party_member else "否",
                "residence_community": member.residence_community.code
                if member.residence_community
                else "",
                "volunteer_code": member.volunteer_code,
            }
