"""The filters of the figures: :class:`StatsFilter`, read, written, described and turned
into database conditions.

The same parameters everywhere (DESIGN.md section 6), each repeatable where it
names codes: ``start``, ``end`` (``YYYY-MM-DD``, both inclusive),
``jurisdiction`` / ``exclude_jurisdiction`` (``municipal`` or a district code:
the unit's jurisdiction), ``district`` / ``exclude_district`` (the district of
the community), ``unit`` (credit code), ``community`` (12-digit code) and
``category`` (problem category code). A page URL, the API, a bulletin's stored
filters and the command line all go through :func:`parse_filter`, so an error
names the parameter in the same words everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from gongzhi.core.codes import normalise_code

MUNICIPAL = "municipal"


@dataclass(frozen=True)
class StatsFilter:
    """What a figure is computed over. Codes are natural keys; an empty tuple means 'all'."""

    start: dt.date
    end: dt.date
    jurisdictions: tuple[str, ...] = ()
    exclude_jurisdictions: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    exclude_districts: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


# --- filters as database conditions ---------------------------------------------------


def _prefix(path: str) -> str:
    return f"{path}__" if path else ""


def _jurisdiction_q(codes: tuple[str, ...], path: str) -> Q:
    """Units (at ``path``) whose jurisdiction is one of ``codes`` (``municipal`` or a
    district code)."""
    p = _prefix(path)
    q = Q(pk__in=[])  # matches nothing: the codes below add what matches
    if MUNICIPAL in codes:
        q |= Q(**{f"{p}jurisdiction__isnull": True})
    districts = [c for c in codes if c != MUNICIPAL]
    if districts:
        q |= Q(**{f"{p}jurisdiction__code__in": districts})
    return q


def unit_filter_q(f: StatsFilter, path: str = "unit") -> Q:
    """The unit side of ``f`` for rows whose unit is at ``path`` (``""``: Unit itself):
    jurisdiction included and not excluded, and one of ``f.units`` when given."""
    p = _prefix(path)
    q = Q()
    if f.jurisdictions:
        q &= _jurisdiction_q(f.jurisdictions, path)
    if f.exclude_jurisdictions:
        q &= ~_jurisdiction_q(f.exclude_jurisdictions, path)
    if f.units:
        q &= Q(**{f"{p}code__in": f.units})
    return q


def community_filter_q(f: StatsFilter, path: str = "community") -> Q:
    """The community side of ``f`` for rows whose community is at ``path`` (``""``:
    Community itself): the community's district included and not excluded, and one of
    ``f.communities`` when given."""
    p = _prefix(path)
    q = Q()
    if f.districts:
        q &= Q(**{f"{p}street__district__code__in": f.districts})
    if f.exclude_districts:
        q &= ~Q(**{f"{p}street__district__code__in": f.exclude_districts})
    if f.communities:
        q &= Q(**{f"{p}code__in": f.communities})
    return q


def has_unit_filter(f: StatsFilter) -> bool:
    return bool(f.jurisdictions or f.exclude_jurisdictions or f.units)


def has_community_filter(f: StatsFilter) -> bool:
    return bool(f.districts or f.exclude_districts or f.communities)


#: The longest period a figure is computed over (about five years).
MAX_PERIOD_DAYS = 5 * 366

#: The dates a period may use: the programme's records start this century, and the far
#: ends of the calendar would overflow the day after the end or the month of a figure.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)

#: Parameter name → StatsFilter field, for the repeatable code parameters.
CODE_PARAMS: dict[str, str] = {
    "jurisdiction": "jurisdictions",
    "exclude_jurisdiction": "exclude_jurisdictions",
    "district": "districts",
    "exclude_district": "exclude_districts",
    "unit": "units",
    "community": "communities",
    "category": "categories",
}

#: Every parameter :func:`parse_filter` reads.
PARAMS: tuple[str, ...] = ("start", "end", *CODE_PARAMS)

#: More codes than this in one parameter is not a filter anyone means.
MAX_CODES = 200


def _values(data: Any, name: str) -> list[str]:
    """All values of ``name`` in a QueryDict or a plain mapping (a value may be a list)."""
    if hasattr(data, "getlist"):
        raw: Iterable[Any] = data.getlist(name)
    else:
        value = data.get(name) if isinstance(data, Mapping) else None
        if value is None:
            raw = []
        elif isinstance(value, str | dt.date):
            raw = [value]
        else:
            raw = list(value)
    out: list[str] = []
    for item in raw:
        text = item.isoformat() if isinstance(item, dt.date) else str(item)
        # NUL never belongs in a date or a code (and PostgreSQL refuses it in text).
        text = text.replace("\x00", "\ufffd")
        out.extend(part for part in (p.strip() for p in text.split(",")) if part)
    return out


def _date(data: Any, name: str, default: dt.date | None, errors: dict[str, list[str]]) -> Any:
    values = _values(data, name)
    if not values:
        if default is None:
            errors[name] = [_("This parameter is required (a date as YYYY-MM-DD).")]
        return default
    if len(values) > 1:
        errors[name] = [_("Give one date only.")]
        return None
    text = values[0]
    try:
        if len(text) != 10 or not text.isascii():
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None
    if not EARLIEST <= day <= LATEST:
        errors[name] = [
            _("Enter a date from %(first)s to %(last)s.")
            % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()}
        ]
        return None
    return day


def _unique(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(codes))


def parse_filter(
    data: Any,
    *,
    default_start: dt.date | None = None,
    default_end: dt.date | None = None,
    check_codes: bool = True,
) -> StatsFilter:
    """The filter that ``data`` (a QueryDict, or a mapping of names to a value or a list)
    asks for. Raises ValidationError keyed by parameter name: a bad or missing date,
    ``start`` after ``end``, a period longer than about five years, an unknown code
    (``check_codes``: districts, units, communities and categories are looked up,
    one query per kind given)."""
    errors: dict[str, list[str]] = {}
    start = _date(data, "start", default_start, errors)
    end = _date(data, "end", default_end, errors)
    if start is not None and end is not None and not errors:
        if start > end:
            errors["end"] = [_("The end date lies before the start date.")]
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            errors["end"] = [_("The period is too long: at most five years.")]
    codes: dict[str, tuple[str, ...]] = {}
    for param, field in CODE_PARAMS.items():
        values = _values(data, param)
        if param in ("jurisdiction", "exclude_jurisdiction"):
            values = [MUNICIPAL if v.lower() == MUNICIPAL else normalise_code(v) for v in values]
        elif param != "category":
            values = [normalise_code(v) for v in values]
        if len(values) > MAX_CODES:
            errors[param] = [_("Too many values: at most %(n)d.") % {"n": MAX_CODES}]
            continue
        codes[field] = _unique(values)
    if check_codes:
        _check_codes(codes, errors)
    if errors:
        raise ValidationError(errors)
    return StatsFilter(start=start, end=end, **codes)


def _check_codes(codes: dict[str, tuple[str, ...]], errors: dict[str, list[str]]) -> None:
    from gongzhi.areas.models import Community, District
    from gongzhi.problems.models import Category
    from gongzhi.units.models import Unit

    def unknown(model: Any, wanted: set[str]) -> set[str]:
        if not wanted:
            return set()
        found = set(model.objects.filter(code__in=wanted).values_list("code", flat=True))
        return wanted - found

    district_params = ("jurisdiction", "exclude_jurisdiction", "district", "exclude_district")
    district_codes = {
        c
        for p in district_params
        for c in codes.get(CODE_PARAMS[p], ())
        if c != MUNICIPAL or p in ("district", "exclude_district")
    }
    missing = unknown(District, district_codes)
    for param in district_params:
        for code in codes.get(CODE_PARAMS[param], ()):
            if code == MUNICIPAL.upper() and param in ("district", "exclude_district"):
                errors.setdefault(param, []).append(
                    _("Communities are chosen by district code; municipal applies to units.")
                )
            elif code in missing:
                errors.setdefault(param, []).append(
                    _("Unknown district code: %(code)s.") % {"code": code}
                )
    for param, model, message in (
        ("unit", Unit, _("Unknown unit code: %(code)s.")),
        ("community", Community, _("Unknown community code: %(code)s.")),
        ("category", Category, _("Unknown category: %(code)s.")),
    ):
        given = codes.get(CODE_PARAMS[param], ())
        for code in sorted(unknown(model, set(given))):
            errors.setdefault(param, []).append(message % {"code": code})


# --- to and from JSON, URLs ----------------------------------------------------------------


def filter_to_json(f: StatsFilter, *, with_period: bool = True) -> dict[str, Any]:
    """``f`` as JSON (for ``Bulletin.filters``): parameter names → lists of codes, empty
    ones left out; with the period as ``start`` / ``end`` unless ``with_period`` is off."""
    out: dict[str, Any] = {}
    if with_period:
        out.update(start=f.start.isoformat(), end=f.end.isoformat())
    for param, field in CODE_PARAMS.items():
        values = getattr(f, field)
        if values:
            out[param] = list(values)
    return out


def filter_from_json(
    data: Mapping[str, Any],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    check_codes: bool = False,
) -> StatsFilter:
    """The filter stored by :func:`filter_to_json`; ``start`` / ``end`` supply the period
    when the JSON has none (a bulletin keeps its period in its own fields)."""
    return parse_filter(data, default_start=start, default_end=end, check_codes=check_codes)


def to_query(f: StatsFilter, **extra: str) -> str:
    """``f`` as a URL query string (repeated parameters), for links that share a view."""
    pairs: list[tuple[str, str]] = [("start", f.start.isoformat()), ("end", f.end.isoformat())]
    for param, field in CODE_PARAMS.items():
        pairs.extend((param, code) for code in getattr(f, field))
    pairs.extend(extra.items())
    return urlencode(pairs)


def with_period(f: StatsFilter, start: dt.date, end: dt.date) -> StatsFilter:
    """``f`` over another period."""
    from dataclasses import replace

    return replace(f, start=start, end=end)


# --- what a filter says, in words ------------------------------------------------------


@dataclass(frozen=True)
class FilterNames:
    """The names of what a filter restricts to or excludes, for subtitles and the brief."""

    jurisdictions: tuple[str, ...] = ()
    exclude_jurisdictions: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    exclude_districts: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def excludes_anything(self) -> bool:
        return bool(self.exclude_jurisdictions or self.exclude_districts)

    @property
    def municipal_only(self) -> bool:
        return self.jurisdictions == (MUNICIPAL_NAME,)


#: How the municipal jurisdiction is named in the official documents (data, always Chinese).
MUNICIPAL_NAME = "市直"


def filter_names(f: StatsFilter) -> FilterNames:
    """The names behind the codes of ``f``, in the order given: districts by their
    name (``municipal`` as 市直), units by short name, communities and categories by
    name. Unknown codes keep their code. At most four queries, only for kinds given."""
    from gongzhi.areas.models import Community, District
    from gongzhi.problems.models import Category
    from gongzhi.units.models import Unit

    def names(model: Any, codes: Sequence[str], *fields: str) -> tuple[str, ...]:
        if not codes:
            return ()
        wanted = [c for c in codes if c != MUNICIPAL]
        found: dict[str, str] = {}
        if wanted:
            for row in model.objects.filter(code__in=wanted).values("code", *fields):
                found[row["code"]] = next((row[k] for k in fields if row[k]), row["code"])
        return tuple(MUNICIPAL_NAME if c == MUNICIPAL else found.get(c, c) for c in codes)

    district_codes = f.jurisdictions + f.exclude_jurisdictions + f.districts + f.exclude_districts
    all_districts = names(District, district_codes, "name")
    by_code = dict(zip(district_codes, all_districts, strict=True))
    return FilterNames(
        jurisdictions=tuple(by_code[c] for c in f.jurisdictions),
        exclude_jurisdictions=tuple(by_code[c] for c in f.exclude_jurisdictions),
        districts=tuple(by_code[c] for c in f.districts),
        exclude_districts=tuple(by_code[c] for c in f.exclude_districts),
        units=names(Unit, f.units, "short_name", "name"),
        communities=names(Community, f.communities, "name"),
        categories=names(Category, f.categories, "name"),
    )


def exclusion_note(f: StatsFilter) -> str:
    """The official parenthesis stating what the figures leave out, e.g.
    "（不含曾都区、随州高新区所属单位）"; empty when nothing is excluded. Always Chinese:
    it is part of the bulletin's and the brief's text."""
    names = filter_names(f)
    parts: list[str] = []
    if names.exclude_jurisdictions:
        parts.append("、".join(names.exclude_jurisdictions) + "所属单位")
    if names.exclude_districts:
        parts.append("、".join(names.exclude_districts) + "辖区社区")
    if not parts:
        return ""
    return "（不含" + "，".join(parts) + "）"
