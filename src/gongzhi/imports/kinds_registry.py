"""Registry kinds: units (by credit code) and communities (by 12-digit code).

Rows are checked here against bulk-loaded lookups, then written one by one
through the registry's own services (``units.services``, ``areas.services``),
which check permission and validate again and record history: imports follow
exactly the rules of the pages and the API. Registry files are small
(hundreds to a few thousand rows), so per-row service calls are affordable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.areas import permissions as area_permissions
from gongzhi.areas import services as area_services
from gongzhi.areas.models import District, Street
from gongzhi.areas.queries import communities_visible_to, districts_visible_to
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
from gongzhi.imports.columns import contact_columns
from gongzhi.imports.registry import register
from gongzhi.units import permissions as unit_permissions
from gongzhi.units import services as unit_services
from gongzhi.units.models import UnitKind
from gongzhi.units.queries import units_visible_to

MUNICIPAL_WORDS: Final = frozenset({"市直", "市级", "municipal"})
#: What the sheets write for a unit's kind → the stored value.
UNIT_KINDS: Final = {
    "机关": UnitKind.AGENCY.value,
    "企业": UnitKind.ENTERPRISE.value,
    "事业单位": UnitKind.INSTITUTION.value,
}
UNIT_KIND_WORDS: Final = {value: word for word, value in UNIT_KINDS.items()}
UNIT_COMPARED: Final = (
    "name",
    "short_name",
    "kind",
    "jurisdiction_id",
    "headcount",
    "contact_name",
    "contact_phone",
)


def note_import(obj: Any, reason: str) -> None:
    """Mark the row's latest history entry (just written by a service) as imported."""
    history = type(obj).history.model
    latest = history.objects.filter(id=obj.pk).order_by("-history_id").values("history_id")[:1]
    history.objects.filter(history_id=Subquery(latest)).update(history_change_reason=reason)


#: Progress is reported every this many rows written.
WRITE_REPORT_EVERY: Final = 50


def run_each(
    importer: type[Importer],
    items: Iterable[tuple[int, Any]],
    write: Any,
    ctx: Context,
    total: int,
) -> None:
    """Call ``write(item)`` for each ``(row, item)``; collect every refusal with its row,
    then raise them together (the framework rolls the whole file back)."""
    errors: list[RowError] = []
    for number, item in items:
        try:
            obj = write(item)
        except (ValidationError, PermissionDenied) as exc:
            errors.extend(importer.errors_from(number, exc))
            continue
        note_import(obj, ctx.history_reason)
        written = ctx.cache["written"] = ctx.cache.get("written", 0) + 1
        if written % WRITE_REPORT_EVERY == 0:
            ctx.report_write(written, total)
    if errors:
        raise RowInvalid(errors)


# --- units ----------------------------------------------------------------------------


def _jurisdiction_choices(user: Any) -> list[str]:
    return ["市直", *districts_visible_to(user).values_list("name", flat=True)]


@register
class UnitImporter(Importer):
    kind = "units"
    title = gettext_lazy("Units")
    sheet_name = "下沉单位"
    order = 10
    slow_write = True
    natural_key = ("code",)
    rules = (
        gettext_lazy(
            "A unit is found by its unified social credit code: a known code updates the unit, a new one registers it."
        ),
        gettext_lazy("Jurisdiction: 市直 for municipal units, or the district's name or code."),
        gettext_lazy("District officers import units of their own district only."),
    )
    columns = (
        Column(
            "code",
            "统一社会信用代码",
            parsing.credit_code,
            required=True,
            aliases=("信用代码", "credit code"),
            label=gettext_lazy("Credit code"),
            help=gettext_lazy("18 characters, check digit verified."),
            example="11421300MB1234567P",
            width=22,
        ),
        Column(
            "name",
            "单位名称",
            parsing.text(100),
            required=True,
            label=gettext_lazy("Name"),
            example="随州市市场监督管理局",
            width=28,
        ),
        Column(
            "short_name",
            "简称",
            parsing.text(40),
            label=gettext_lazy("Short name"),
            example="市市场监管局",
            default="",
        ),
        Column(
            "kind",
            "单位类型",
            parsing.choice(UNIT_KINDS),
            required=True,
            label=gettext_lazy("Kind"),
            help=gettext_lazy("机关, 企业 or 事业单位."),
            example="机关",
            choices=tuple(UNIT_KINDS),
        ),
        Column(
            "jurisdiction",
            "所属层级",
            parsing.text(60),
            aliases=("所属区县",),
            label=gettext_lazy("Jurisdiction"),
            help=gettext_lazy("市直 (municipal), or a district's name or code. Empty: municipal."),
            example="市直",
            choices=_jurisdiction_choices,
            default="",
        ),
        Column(
            "headcount",
            "在职人数",
            parsing.integer(),
            label=gettext_lazy("Staff headcount"),
            example=120,
        ),
        *contact_columns(example_name="王明", example_phone="13800000000"),
    )

    @classmethod
    def may_import(cls, user: Any) -> bool:
        return unit_permissions.may_create_units(user)

    def prepare(self, ctx: Context) -> None:
        districts: dict[str, int] = {}
        for pk, code, name in District.objects.values_list("pk", "code", "name"):
            districts[code] = pk
            districts[name] = pk
        ctx.cache["districts"] = districts

    def clean_row(self, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
        word = values["jurisdiction"]
        if not word or word.casefold() in MUNICIPAL_WORDS:
            district_id = None
        else:
            district_id = ctx.cache["districts"].get(word) or ctx.cache["districts"].get(
                word.upper()
            )
            if district_id is None:
                raise CellError(
                    _("No district “%(value)s”: write 市直 or a district's name or code.")
                    % {"value": word},
                    "jurisdiction",
                )
        if not unit_permissions.may_write_unit_in(ctx.user, district_id):
            raise CellError(_("You may only import units of your own district."), "jurisdiction")
        values["jurisdiction_id"] = district_id
        return values

    def plan(self, rows: list[Row], ctx: Context) -> Plan:
        plan = Plan()
        existing = lookups.units_by_code(row.values["code"] for row in rows)
        for row in rows:
            unit = existing.get(row.values["code"])
            if unit is None:
                plan.creates.append(row)
            elif all(getattr(unit, f) == row.values[f] for f in UNIT_COMPARED):
                plan.unchanged += 1
            elif not unit_permissions.may_write_unit(ctx.user, unit):
                plan.errors.append(
                    self.error(
                        row.number,
                        "code",
                        _("You may not change the unit %(unit)s.") % {"unit": unit.name},
                    )
                )
            else:
                plan.updates.append((row, unit))
        return plan

    def write(self, plan: Plan, ctx: Context) -> None:
        districts = {d.pk: d for d in District.objects.all()}

        def fields(values: dict[str, Any]) -> dict[str, Any]:
            district_id = values["jurisdiction_id"]
            return {
                "name": values["name"],
                "short_name": values["short_name"],
                "kind": values["kind"],
                "jurisdiction": districts[district_id] if district_id else None,
                "headcount": values["headcount"],
                "contact_name": values["contact_name"],
                "contact_phone": values["contact_phone"],
            }

        run_each(
            type(self),
            [(row.number, row) for row in plan.creates],
            lambda row: unit_services.unit_create(
                user=ctx.user, code=row.values["code"], **fields(row.values)
            ),
            ctx,
            plan.created + plan.updated,
        )
        run_each(
            type(self),
            [(row.number, (row, unit)) for row, unit in plan.updates],
            lambda item: unit_services.unit_update(
                user=ctx.user, unit=item[1], **fields(item[0].values)
            ),
            ctx,
            plan.created + plan.updated,
        )

    def export_rows(self, user: Any) -> Iterable[dict[str, Any]]:
        for unit in units_visible_to(user).order_by("code"):
            yield {
                "code": unit.code,
                "name": unit.name,
                "short_name": unit.short_name,
                "kind": UNIT_KIND_WORDS.get(unit.kind, unit.kind),
                "jurisdiction": unit.jurisdiction.name if unit.jurisdiction else "市直",
                "headcount": unit.headcount,
                "contact_name": unit.contact_name,
                "contact_phone": unit.contact_phone,
            }


# --- communities ----------------------------------------------------------------------


@register
class CommunityImporter(Importer):
    kind = "communities"
    title = gettext_lazy("Communities")
    sheet_name = "社区"
    order = 20
    slow_write = True
    natural_key = ("code",)
    rules = (
        gettext_lazy(
            "A community is found by its 12-digit statistical division code: a known code updates it, a new one creates it."
        ),
        gettext_lazy(
            "The street is the code's first 9 digits unless the street column says otherwise; the code must begin with the street's."
        ),
    )
    columns = (
        Column(
            "code",
            "社区代码",
            parsing.community_code,
            required=True,
            aliases=("统计用区划代码", "区划代码"),
            label=gettext_lazy("Division code"),
            help=gettext_lazy("12 digits, beginning with the street's code."),
            example="421303001001",
            width=16,
        ),
        Column(
            "name",
            "社区名称",
            parsing.text(60),
            required=True,
            label=gettext_lazy("Name"),
            example="白云社区",
        ),
        Column(
            "street",
            "街道代码",
            parsing.division_code(9),
            label=gettext_lazy("Street code"),
            help=gettext_lazy("9 digits; empty: the code's first 9 digits."),
            example="421303001",
        ),
        *contact_columns(example_name="李华", example_phone="0722-3200000"),
    )

    @classmethod
    def may_import(cls, user: Any) -> bool:
        scope = scope_of(user)
        return scope.is_office or bool(scope.district_ids or scope.street_ids)

    def prepare(self, ctx: Context) -> None:
        ctx.cache["streets"] = {s.code: s for s in Street.objects.select_related("district")}

    def clean_row(self, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
        code = values["code"]
        street_code = values["street"] or code[:9]
        street: Street | None = ctx.cache["streets"].get(street_code)
        if street is None:
            raise CellError(
                _("No street with the code %(code)s.") % {"code": street_code}, "street"
            )
        if not code.startswith(street.code):
            raise CellError(
                _("The code must begin with the code of its parent area, %(parent)s.")
                % {"parent": street.code},
                "code",
            )
        if not area_permissions.may_write_community(ctx.user, street):
            raise CellError(
                _("You may not add communities to %(street)s.") % {"street": street.name}, "street"
            )
        values["street"] = street
        return values

    def plan(self, rows: list[Row], ctx: Context) -> Plan:
        plan = Plan()
        existing = lookups.communities_by_code(row.values["code"] for row in rows)
        for row in rows:
            values = row.values
            community = existing.get(values["code"])
            if community is None:
                plan.creates.append(row)
            elif (
                community.name == values["name"]
                and community.street_id == values["street"].pk
                and community.contact_name == values["contact_name"]
                and community.contact_phone == values["contact_phone"]
            ):
                plan.unchanged += 1
            elif not area_permissions.may_write_community(ctx.user, community.street):
                plan.errors.append(
                    self.error(
                        row.number,
                        "code",
                        _("You may not change the community %(c)s.") % {"c": community.name},
                    )
                )
            else:
                plan.updates.append((row, community))
        return plan

    def write(self, plan: Plan, ctx: Context) -> None:
        def fields(values: dict[str, Any]) -> dict[str, Any]:
            return {
                "street": values["street"],
                "code": values["code"],
                "name": values["name"],
                "contact_name": values["contact_name"],
                "contact_phone": values["contact_phone"],
            }

        run_each(
            type(self),
            [(row.number, row) for row in plan.creates],
            lambda row: area_services.community_create(user=ctx.user, **fields(row.values)),
            ctx,
            plan.created + plan.updated,
        )
        run_each(
            type(self),
            [(item[0].number, item) for item in plan.updates],
            lambda item: area_services.community_update(
                user=ctx.user, community=item[1], **fields(item[0].values)
            ),
            ctx,
            plan.created + plan.updated,
        )

    def export_rows(self, user: Any) -> Iterable[dict[str, Any]]:
        for community in communities_visible_to(user).select_related("street").order_by("code"):
            yield {
                "code": community.code,
                "name": community.name,
                "street": community.street.code,
                "contact_name": community.contact_name,
                "contact_phone": community.contact_phone,
            }
