"""Import kind ``problems`` (our problem sheet), and what it shares with ``hotline``
(the 12345 hotline's export, :mod:`gongzhi.imports.kinds_hotline`).

Both create problems through :func:`gongzhi.problems.services.problem_report`, with
the importer as the reporting staff member, so every rule of a report applies.

Natural key. A row finds its problem by ``(source, 来源编号)`` when it has an external
reference (the hotline's 工单编号 always is one), else by its public number (问题编号).
A row with neither gets a reference derived from its content (``IMP-`` and 16 hex
characters of a SHA-256 of source, category, community, title, description, address,
reported day and reporter phone), stored as its external reference, so importing the
same sheet twice finds the problems it created the first time.

Existing problems are never changed by an import: the ledger changes through its
workflow. A row that finds a problem is left alone when it agrees with it, and refused,
naming the column, when a value differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.areas.models import Community
from gongzhi.core.models import Role
from gongzhi.core.scoping import scope_of
from gongzhi.imports import parsing
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
from gongzhi.imports.lookups import CommunityRef, chunks, community_choices, community_in_scope
from gongzhi.imports.registry import register
from gongzhi.problems import queries as problem_queries
from gongzhi.problems import services as problem_services
from gongzhi.problems.models import Category, Problem, ProblemSource

#: Source names of the sheet (data of the format) → our source values.
SOURCE_NAMES: dict[str, str] = {
    "下基层走访": ProblemSource.GRASSROOTS_VISIT,
    "社区巡查": ProblemSource.COMMUNITY_PATROL,
    "居民反映": ProblemSource.RESIDENT_REPORT,
    "督查发现": ProblemSource.INSPECTION,
    "12345热线": ProblemSource.HOTLINE_12345,
    "其他": ProblemSource.OTHER,
}
SOURCE_BY_VALUE: dict[str, str] = {value: name for name, value in SOURCE_NAMES.items()}


#: Roles that import problems besides the office: each inside their own area.
_AREA_ROLES = (Role.DISTRICT, Role.STREET, Role.COMMUNITY)

# --- cell parsers (no database) ----------------------------------------------------------


def cell_text(raw: Any) -> str:
    return parsing.as_text(raw).strip()


def cut_text(limit: int) -> Any:
    """Text cut to ``limit`` characters (the hotline's titles and names are not ours)."""

    def parse(raw: Any) -> str:
        return cell_text(raw)[:limit]

    return parse


#: The source column: our Chinese names, the stored values, and "12345".
_source = parsing.choice({**SOURCE_NAMES, "12345": ProblemSource.HOTLINE_12345})


def _coordinate(raw: Any) -> float:
    try:
        return float(cell_text(raw).replace("，", ".").replace(",", "."))
    except ValueError:
        raise CellError(_("Enter a number in degrees, e.g. 31.69.")) from None


def phone_or_masked(raw: Any) -> str:
    """A phone number; one masked by the system it comes from (138****1234) is kept as
    such, compared with nothing and never stored: it is not a number to call back."""
    value = cell_text(raw)
    if "*" in value:
        return value
    return parsing.phone(raw)


# --- lookups ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    id: int
    code: str
    name: str
    street_id: int
    district_id: int
    street_name: str
    district_name: str

    @property
    def ref(self) -> CommunityRef:
        return CommunityRef(self.id, self.name, self.street_id, self.district_id, False)


def load_places() -> dict[str, Place]:
    rows = Community.objects.active().values_list(
        "pk", "code", "name", "street_id", "street__district_id", "street__name",
        "street__district__name",
    )  # fmt: skip
    return {row[1]: Place(*row) for row in rows}


def _categories() -> Iterable[tuple[str, str]]:
    return Category.objects.active().order_by("ordering", "code").values_list("code", "name")


def category_names(user: Any) -> list[str]:
    return [name for _code, name in _categories()]


# --- the shared importer --------------------------------------------------------------------

#: Columns compared with an existing problem, with the problem's attribute.
_COMPARED = (
    ("external_ref", "external_ref"),
    ("category", "category__code"),
    ("community", "community__code"),
    ("title", "title"),
    ("description", "description"),
    ("address", "address"),
    ("lat", "lat"),
    ("lng", "lng"),
    ("reporter_name", "reporter_name"),
    ("reporter_phone", "reporter_phone"),
)
#: Optional columns left empty say nothing (an export may leave out a masked phone).
_SAID_WHEN_GIVEN = frozenset(
    {"external_ref", "title", "address", "reporter_name", "reporter_phone"}
)
_EXISTING_FIELDS = ("pk", "number", "source", "category__name", *(f for _k, f in _COMPARED))
#: Service field names → column keys, for errors the service finds at write time.
_SERVICE_FIELDS = {
    "category_code": "category",
    "community_code": "community",
    "compound_id": "community",
    "photos": "description",
    "external_ref": "external_ref",
    "reported_at": "reported_at",
}


class ProblemImporterBase(Importer):
    """What both problem kinds share: scope, natural key, plan and write."""

    source_fixed: ClassVar[str] = ""

    @classmethod
    def may_import(cls, user: Any) -> bool:
        """The office, and district, street and community staff inside their own area."""
        scope = scope_of(user)
        return scope.is_office or scope.has(*_AREA_ROLES)

    def prepare(self, ctx: Context) -> None:
        ctx.cache["places"] = load_places()
        categories = list(_categories())
        ctx.cache["category_codes"] = {code for code, _name in categories}
        ctx.cache["category_by_name"] = {name: code for code, name in categories}

    # --- rows ---

    def _place(self, code: str, ctx: Context, column: str = "community") -> Place:
        place: Place | None = ctx.cache["places"].get(code)
        if place is None:
            raise CellError(_("No community has the code “%(code)s”.") % {"code": code}, column)
        if not community_in_scope(ctx.scope, place.ref):
            raise CellError(_("%(name)s lies outside your area.") % {"name": place.name}, column)
        return place

    def _finish(self, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
        """Rules across columns and the natural key, once category and community are known."""
        lat, lng = values.get("lat"), values.get("lng")
        if (lat is None) != (lng is None):
            raise CellError(_("Give both latitude and longitude, or neither."), "lat")
        if lat is not None and not -90 <= lat <= 90:
            raise CellError(_("Latitude must lie between -90 and 90."), "lat")
        if lng is not None and not -180 <= lng <= 180:
            raise CellError(_("Longitude must lie between -180 and 180."), "lng")
        when = values.get("reported_at")
        if when is not None and when > ctx.now:
            raise CellError(_("The date cannot lie in the future."), "reported_at")
        for key in ("title", "description", "address", "reporter_name", "reporter_phone"):
            values[key] = values.get(key) or ""
        if "*" in values["reporter_phone"]:
            values["reporter_phone"] = ""  # masked (see ``phone_or_masked``)
        ref = values.get("external_ref") or ""
        number = values.get("number") or ""
        if not ref and not number:
            ref = derived_ref(values)
        values["external_ref"] = ref
        values["key"] = ("ref", values["source"], ref) if ref else ("number", number)
        return values

    def key_of(self, values: dict[str, Any]) -> Hashable | None:
        return values.get("key")

    # --- plan ---

    def plan(self, rows: list[Row], ctx: Context) -> Plan:
        plan = Plan()
        refs: dict[str, set[str]] = {}
        numbers: set[str] = set()
        for row in rows:
            if row.values["external_ref"]:
                refs.setdefault(row.values["source"], set()).add(row.values["external_ref"])
            if row.values.get("number"):
                numbers.add(row.values["number"])
        by_ref, by_number = _existing(ctx.user, refs, numbers)
        for row in rows:
            v = row.values
            found = by_ref.get((v["source"], v["external_ref"])) if v["external_ref"] else None
            if found is not None and not found["visible"]:
                plan.errors.append(
                    self.error(
                        row.number,
                        "external_ref",
                        _("A problem outside your area already has this reference."),
                    )
                )
                continue
            if v.get("number"):
                named = by_number.get(v["number"])
                if named is None:
                    plan.errors.append(
                        self.error(
                            row.number,
                            "number",
                            _("No problem you may see has the number “%(number)s”.")
                            % {"number": v["number"]},
                        )
                    )
                    continue
                if found is not None and found["pk"] != named["pk"]:
                    plan.errors.append(
                        self.error(
                            row.number,
                            "external_ref",
                            _("This reference belongs to problem %(other)s, not %(number)s.")
                            % {"other": found["number"], "number": v["number"]},
                        )
                    )
                    continue
                found = named
            if found is None:
                plan.creates.append(row)
                continue
            error = self._difference(row, found)
            if error is not None:
                plan.errors.append(error)
            else:
                plan.unchanged += 1
        return plan

    def _difference(self, row: Row, found: dict[str, Any]) -> RowError | None:
        """A row error for the first column whose value differs from the problem's."""
        v = row.values
        if found["source"] != v["source"]:
            return self._differs(row, "source", found, SOURCE_BY_VALUE.get(found["source"], ""))
        for key, attribute in _COMPARED:
            given, stored = v.get(key), found[attribute]
            if key in ("lat", "lng"):
                if given is None or (stored is not None and abs(given - stored) < 1e-7):
                    continue
            elif given == stored or (not given and key in _SAID_WHEN_GIVEN):
                continue
            shown = found["category__name"] if key == "category" else stored
            return self._differs(row, key, found, shown)
        return None

    def _differs(self, row: Row, key: str, found: dict[str, Any], stored: Any) -> RowError:
        return self.error(
            row.number,
            key,
            _(
                "Problem %(number)s already exists with “%(stored)s” here; an import "
                "does not change problems in the ledger."
            )
            % {"number": found["number"], "stored": "" if stored is None else stored},
        )

    # --- write ---

    def write(self, plan: Plan, ctx: Context) -> None:
        errors: list[RowError] = []
        for row in plan.creates:
            v = row.values
            try:
                problem_services.problem_report(
                    user=ctx.user,
                    category_code=v["category"],
                    source=v["source"],
                    description=v["description"],
                    title=v["title"],
                    community_code=v["community"],
                    address=v["address"],
                    lat=v.get("lat"),
                    lng=v.get("lng"),
                    reporter_name=v["reporter_name"],
                    reporter_phone=v["reporter_phone"],
                    external_ref=v["external_ref"],
                    reported_at=v.get("reported_at"),
                )
            except ValidationError as refused:
                for name, messages in refused.message_dict.items():
                    key = _SERVICE_FIELDS.get(name, name)
                    errors.extend(self.error(row.number, key, m) for m in messages)
                continue
            except PermissionDenied as refused:
                errors.append(self.error(row.number, "community", str(refused)))
                continue
        if errors:
            raise RowInvalid(errors)

    # --- export ---

    def export_rows(self, user: Any) -> Iterable[dict[str, Any]]:
        qs = problem_queries.problems_visible_to(user).order_by("id")
        if self.source_fixed:
            qs = qs.filter(source=self.source_fixed)
        for problem in qs.iterator(chunk_size=2000):
            yield {
                "number": problem.number,
                "external_ref": problem.external_ref,
                "source": SOURCE_BY_VALUE.get(problem.source, problem.source),
                "category": problem.category.name,
                "community": problem.community.code,
                "title": problem.title,
                "description": problem.description,
                "address": problem.address,
                "lat": problem.lat,
                "lng": problem.lng,
                "reporter_name": problem.reporter_name,
                "reporter_phone": problem_queries.reporter_phone_for(user, problem),
                "reported_at": timezone.localtime(problem.created_at).strftime("%Y-%m-%d %H:%M"),
            }


def derived_ref(values: dict[str, Any]) -> str:
    """The reference of a row with neither an external reference nor a number: a hash of
    what the row says, so the same row always finds the same problem."""
    when = values.get("reported_at")
    parts = [
        values["source"],
        values["category"],
        values["community"],
        values.get("title") or "",
        " ".join((values.get("description") or "").split()),
        values.get("address") or "",
        timezone.localtime(when).date().isoformat() if when else "",
        values.get("reporter_phone") or "",
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"IMP-{digest[:16].upper()}"


def _existing(
    user: Any, refs: dict[str, set[str]], numbers: set[str]
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, dict[str, Any]]]:
    """Existing problems by (source, external ref) — all of them, since the reference is
    unique whoever sees the problem, each marked ``visible`` or not to ``user`` — and by
    number among those ``user`` may see."""
    by_ref: dict[tuple[str, str], dict[str, Any]] = {}
    for source, wanted in refs.items():
        for chunk in chunks(sorted(wanted)):
            qs = Problem.objects.filter(source=source, external_ref__in=chunk)
            for found in qs.values(*_EXISTING_FIELDS):
                by_ref[(found["source"], found["external_ref"])] = found
    visible = problem_queries.problems_visible_to(user)
    seen: set[int] = set()
    if scope_of(user).sees_everything:
        seen = {found["pk"] for found in by_ref.values()}
    else:
        for chunk_ in chunks(sorted(found["pk"] for found in by_ref.values())):
            seen.update(visible.filter(pk__in=chunk_).values_list("pk", flat=True))
    for found in by_ref.values():
        found["visible"] = found["pk"] in seen
    by_number: dict[str, dict[str, Any]] = {}
    for chunk in chunks(sorted(numbers)):
        for found in visible.filter(number__in=chunk).values(*_EXISTING_FIELDS):
            by_number[found["number"]] = found
    return by_ref, by_number


# --- problems ---------------------------------------------------------------------------------


@register
class ProblemsImporter(ProblemImporterBase):
    """Our problem sheet."""

    kind = "problems"
    title = gettext_lazy("Problems")
    sheet_name = "问题台账"
    order = 60
    natural_key = ("source", "external_ref", "number")
    columns = (
        Column(
            "number", "问题编号", cell_text, aliases=("编号",), width=14,
            label=gettext_lazy("Public number"),
            help=gettext_lazy("Only for problems already in the ledger; leave empty for new ones."),
        ),
        Column(
            "external_ref", "来源编号", parsing.text(60), aliases=("外部编号", "external reference"),
            label=gettext_lazy("Source reference"),
            help=gettext_lazy("The number the source gave the case (e.g. a work-order number)."),
        ),
        Column(
            "source", "问题来源", _source, required=True, example="社区巡查",
            choices=tuple(SOURCE_NAMES), label=gettext_lazy("Source"),
        ),
        Column(
            "category", "问题分类", cell_text, required=True, example="垃圾死角",
            choices=category_names, label=gettext_lazy("Category"),
            help=gettext_lazy("The category's name or code."),
        ),
        Column(
            "community", "社区代码", parsing.community_ref, required=True, example="421303001001",
            choices=community_choices, label=gettext_lazy("Community code"),
            aliases=("community_code",),
            help=gettext_lazy("The community's 12-digit statistical division code."),
        ),
        Column(
            "title", "标题", parsing.text(120), label=gettext_lazy("Title"), example="楼道堆放杂物"
        ),
        Column(
            "description", "问题描述", cell_text, required=True, width=40,
            example="3栋2单元楼道堆放大量杂物，影响通行。", label=gettext_lazy("Description"),
        ),
        Column("address", "地址", parsing.text(200), width=24, label=gettext_lazy("Address")),
        Column("lat", "纬度", _coordinate, aliases=("latitude",), label=gettext_lazy("Latitude")),
        Column(
            "lng", "经度", _coordinate, aliases=("longitude",), label=gettext_lazy("Longitude")
        ),
        Column(
            "reporter_name", "反映人", parsing.text(40), aliases=("联系人",),
            label=gettext_lazy("Reporter"),
        ),
        Column(
            "reporter_phone", "联系电话", phone_or_masked, aliases=("phone",),
            label=gettext_lazy("Reporter phone"),
        ),
        Column(
            "reported_at", "反映日期", parsing.datetime, aliases=("反映时间", "date"),
            example="2021-09-10", label=gettext_lazy("Reported on"),
            help=gettext_lazy("Empty: the day of the import."),
        ),
    )  # fmt: skip
    rules = (
        gettext_lazy(
            "A row finds its problem by source and source reference, else by public "
            "number; a row with neither is recognised by its content, so importing the "
            "same sheet twice adds nothing."
        ),
        gettext_lazy(
            "Problems already in the ledger are never changed by an import: a row that "
            "differs from its problem is refused."
        ),
        gettext_lazy(
            "District, street and community staff import problems of their own area only."
        ),
    )

    def clean_row(self, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
        given = values["category"]
        code = given if given in ctx.cache["category_codes"] else None
        code = code or ctx.cache["category_by_name"].get(given)
        if code is None:
            raise CellError(
                _("No category has the name or code “%(value)s”.") % {"value": given}, "category"
            )
        values["category"] = code
        self._place(values["community"], ctx)
        return self._finish(values, ctx)
