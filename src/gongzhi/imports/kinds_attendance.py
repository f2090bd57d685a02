"""Import kind ``attendance``: who came to which Friday session, where, with how many.

One row is one unit's turn-out at one session in one community. The natural key
is (session, unit, community): the session is found by its date, and by the
campaign (short name or name) when several campaigns meet that day.

The rules are those of :func:`gongzhi.activities.services.attendance_record`
and its siblings, checked with the same functions:

- only held sessions: not cancelled, not skipped for a holiday, not in the
  future, and the community must be one of the campaign's;
- a unit liaison imports their own unit's rows; area staff rows in their area;
  the office any row;
- a unit not paired with the community on the session date is added only by
  area staff or the office, with the column 未结对单位参加原因 filled in;
- a unit liaison or area staff import only within ``ATTENDANCE_EDIT_DAYS`` of
  the session; the office may import historical sheets at any time (new rows
  need no reason), but changing a row past its edit window is a correction and
  needs the column 更正原因, which the row's history keeps;
- a row that repeats what is recorded is left alone; a changed row replaces
  the recorded values (a change by the unit sets a confirmed row back to
  *submitted*); a unit's stated absence from that session and community is
  withdrawn when its attendance is imported.

Rows are written with :mod:`gongzhi.imports.bulk` (COPY on PostgreSQL) with a
history row each: the importer, the time, and "imported from FILE" (or the
correction reason).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable
from types import SimpleNamespace
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.activities import queries as activity_queries
from gongzhi.activities import validation as check
from gongzhi.activities.models import Absence, Attendance, AttendanceStatus
from gongzhi.activities.permissions import (
    is_area_staff,
    is_locked,
    may_record_for,
    writes,
)
from gongzhi.activities.services import MAX_REASON
from gongzhi.areas.models import Community
from gongzhi.campaigns.models import Campaign, Session
from gongzhi.campaigns.queries import sessions_visible_to
from gongzhi.imports import bulk, parsing
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
from gongzhi.imports.columns import community_column, unit_column
from gongzhi.imports.registry import register
from gongzhi.units.models import Unit

#: The values an import writes, in this order (``bulk`` takes them as they are).
VALUE_FIELDS: Final = (
    "headcount",
    "leader_name",
    "leader_rank",
    "principal_leader_led",
    "start_time",
    "end_time",
    "notes",
    "added_reason",
)
KEY_FIELDS: Final = ("session_id", "unit_id", "community_id")
CREATE_FIELDS: Final = (*KEY_FIELDS, *VALUE_FIELDS, "expected", "entered_by_id")
UPDATE_FIELDS: Final = (*VALUE_FIELDS, "status", "confirmed_by_id", "confirmed_at")


def _headcount(raw: Any) -> int:
    """The headcount, by the rule attendance services apply (1 to ``MAX_HEADCOUNT``)."""
    errors: dict[str, list[str]] = {}
    number = check.headcount_of(raw, errors)
    if errors or number is None:
        raise CellError(errors["headcount"][0])
    return number


def _first_message(refused: ValidationError) -> tuple[str, str]:
    """(field, message) of the first error of a service's ``ValidationError``."""
    for field, messages in refused.message_dict.items():
        return field, str(messages[0])
    return "", str(refused)


def _refusal(refused: ValidationError) -> CellError:
    field, message = _first_message(refused)
    column = {"session_id": "session_date", "community_code": "community_code"}.get(field, "")
    return CellError(message, column or "session_date")


@register
class AttendanceImporter(Importer):
    kind = "attendance"
    title = gettext_lazy("Attendance")
    sheet_name = "参加活动情况"
    order = 50
    columns = (
        Column(
            "session_date",
            "活动日期",
            parsing.date,
            required=True,
            aliases=("日期", "date"),
            label=gettext_lazy("Session date"),
            help=gettext_lazy("The date of the Friday session, e.g. 2021-09-10 or 2021年9月10日."),
            example="2021-09-10",
            width=14,
        ),
        Column(
            "campaign",
            "活动名称",
            parsing.text(100),
            aliases=("活动", "campaign_slug"),
            label=gettext_lazy("Campaign"),
            help=gettext_lazy(
                "The campaign's short name or name; needed only when several campaigns "
                "have a session that day."
            ),
            example="",
            choices=lambda user: list(
                Campaign.objects.order_by("slug").values_list("slug", flat=True)
            ),
            width=20,
        ),
        unit_column(),
        community_column(),
        Column(
            "headcount",
            "参加人次",
            _headcount,
            required=True,
            aliases=("人次", "参加人数"),
            label=gettext_lazy("Headcount (person-times)"),
            help=gettext_lazy("How many people the unit brought (at least 1)."),
            example=45,
            width=10,
        ),
        Column(
            "leader_name",
            "带队领导",
            parsing.text(40),
            label=gettext_lazy("Team leader"),
            example="王明",
            default="",
        ),
        Column(
            "leader_rank",
            "领导职务",
            parsing.text(60),
            aliases=("带队领导职务",),
            label=gettext_lazy("Leader's post"),
            example="副局长",
            default="",
        ),
        Column(
            "principal_leader_led",
            "主要领导带队",
            parsing.yes_no,
            aliases=("主要领导是否带队",),
            label=gettext_lazy("The unit's principal leader led"),
            help=gettext_lazy("是 or 否."),
            example="否",
            choices=parsing.YES_NO_CHOICES,
            default=False,
            width=12,
        ),
        Column(
            "start_time",
            "开始时间",
            parsing.time,
            label=gettext_lazy("Start"),
            example="14:30",
            width=10,
        ),
        Column(
            "end_time",
            "结束时间",
            parsing.time,
            label=gettext_lazy("End"),
            example="17:30",
            width=10,
        ),
        Column(
            "notes",
            "备注",
            parsing.text(2000),
            label=gettext_lazy("Notes"),
            default="",
            width=30,
        ),
        Column(
            "added_reason",
            "未结对单位参加原因",
            parsing.text(200),
            aliases=("未结对原因",),
            label=gettext_lazy("Why a unit not paired was added"),
            help=gettext_lazy(
                "Only for a unit not paired with the community that day (area staff and "
                "the city office)."
            ),
            default="",
            width=24,
        ),
        Column(
            "reason",
            "更正原因",
            parsing.text(MAX_REASON),
            aliases=("correction_reason",),
            label=gettext_lazy("Reason for the correction"),
            help=gettext_lazy(
                "The city office corrects a row after its edit window only with a reason."
            ),
            default="",
            width=24,
        ),
    )
    natural_key = ("session_date", "unit_code", "community_code")
    rules = (
        gettext_lazy(
            "One row per unit, session and community; importing the same row again "
            "changes nothing, a changed row replaces what was recorded."
        ),
        gettext_lazy("Only sessions that took place and were not cancelled are accepted."),
        gettext_lazy(
            "A unit liaison imports their own unit's rows, within the edit window after "
            "the session; the city office imports any row and any past session."
        ),
        gettext_lazy(
            "A unit not paired with the community that day needs a reason "
            "(未结对单位参加原因); only community staff and the city office add one."
        ),
        gettext_lazy(
            "After the edit window the city office corrects a row with a reason (更正原因)."
        ),
    )

    @classmethod
    def may_import(cls, user: Any) -> bool:
        """The office, area staff and unit liaisons: the roles that record attendance."""
        return writes(user)

    # --- lookups ------------------------------------------------------------------

    def prepare(self, ctx: Context) -> None:
        sessions: dict[dt.date, list[Session]] = defaultdict(list)
        for session in sessions_visible_to(ctx.user).order_by("date", "campaign_id"):
            sessions[session.date].append(session)
        ctx.cache["sessions"] = sessions
        ctx.cache["units"] = {
            code: (pk, short_name or name)
            for code, pk, name, short_name in Unit.objects.filter(
                archived_at__isnull=True
            ).values_list("code", "pk", "name", "short_name")
        }
        ctx.cache["communities"] = {
            c.code: c
            for c in Community.objects.select_related("street").only(
                "pk", "code", "name", "street_id", "street__district_id"
            )
        }
        members: dict[int, set[int]] = defaultdict(set)
        for campaign_id, community_id in Campaign.communities.through.objects.values_list(
            "campaign_id", "community_id"
        ):
            members[campaign_id].add(community_id)
        ctx.cache["campaign_communities"] = members
        ctx.cache["office"] = ctx.scope.is_office
        ctx.cache["places"] = {}
        ctx.cache["found_sessions"] = {}
        ctx.cache["checked"] = {}
        ctx.cache["session_states"] = {}
        ctx.cache["expected"] = {}
        ctx.cache["permitted"] = {}

    def _session(self, values: dict[str, Any], ctx: Context) -> Session:
        """The session of the row's date (and campaign); one look-up per date in a file."""
        key = (values["session_date"], values.get("campaign") or "")
        found: dict[tuple[dt.date, str], Session | CellError] = ctx.cache["found_sessions"]
        session = found.get(key)
        if session is None:
            try:
                session = self._find_session(*key, ctx=ctx)
            except CellError as exc:
                session = exc
            found[key] = session
        if isinstance(session, CellError):
            raise CellError(session.message, session.column)
        return session

    def _find_session(self, day: dt.date, wanted: str, *, ctx: Context) -> Session:
        candidates = ctx.cache["sessions"].get(day, [])
        if wanted:
            candidates = [s for s in candidates if wanted in (s.campaign.slug, s.campaign.name)]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            if wanted:
                raise CellError(
                    _("No session of the campaign “%(campaign)s” on %(date)s.")
                    % {"campaign": wanted, "date": day.isoformat()},
                    "campaign",
                )
            raise CellError(
                _("There is no session on %(date)s.") % {"date": day.isoformat()}, "session_date"
            )
        raise CellError(
            _("Several campaigns have a session on %(date)s: name the campaign (%(names)s).")
            % {"date": day.isoformat(), "names": "、".join(s.campaign.slug for s in candidates)},
            "campaign",
        )

    def _check_session(self, session: Session, community: Community, ctx: Context) -> None:
        """Whether attendance of ``community`` may be recorded at ``session``, checked
        once per session and community: the session's state (held, not future) by the
        service check once per session, the community's membership from the preloaded
        campaign communities (the service check only gives the message)."""
        checked: dict[tuple[int, int], CellError | None] = ctx.cache["checked"]
        key = (session.id, community.id)
        if key not in checked:
            checked[key] = self._session_refusal(session, community, ctx)
        refusal = checked[key]
        if refusal is not None:
            raise CellError(refusal.message, refusal.column)

    def _session_refusal(
        self, session: Session, community: Community, ctx: Context
    ) -> CellError | None:
        states: dict[int, CellError | None] = ctx.cache["session_states"]
        members = ctx.cache["campaign_communities"].get(session.campaign_id)
        outside = bool(members) and community.id not in members
        if session.id in states and not outside:
            return states[session.id]
        try:
            check.check_session(session, community, ctx.today, future=False)
        except ValidationError as refused:
            field, _message = _first_message(refused)
            if field == "session_id":
                states[session.id] = _refusal(refused)
            else:
                states.setdefault(session.id, None)
            return _refusal(refused)
        states[session.id] = None
        return None

    def _expected(self, session: Session, ctx: Context) -> set[tuple[int, int]]:
        """(unit, community) pairs paired on the session's date (one query per date)."""
        cache: dict[dt.date, set[tuple[int, int]]] = ctx.cache["expected"]
        pairs = cache.get(session.date)
        if pairs is None:
            pairs = set(
                activity_queries.expected_pairings(session.date).values_list(
                    "unit_id", "community_id"
                )
            )
            cache[session.date] = pairs
        return pairs

    # --- rows ---------------------------------------------------------------------

    def clean_row(self, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
        cache = ctx.cache
        key = (values["session_date"], values["campaign"], values["community_code"])
        place = cache["places"].get(key)
        unit = cache["units"].get(values["unit_code"])
        start, end = values["start_time"], values["end_time"]
        if place is None or unit is None or (start and end and end <= start):
            # Not seen yet, or something is wrong: check it all, naming every error.
            place = self._place(values, unit, ctx)
            cache["places"][key] = place
        assert unit is not None  # noqa: S101 - _place refused the row otherwise
        session, community, paired = place
        unit_id, unit_name = unit
        if not cache["office"] and not self._permitted(unit_id, community, ctx):
            raise CellError(_("You can record attendance only for your own unit."), "unit_code")
        expected = (unit_id, community.id) in paired
        if expected:
            values["added_reason"] = ""
        else:
            self._check_added(values, unit_name, session, community, ctx)
        values["session"] = session
        values["session_id"] = session.id
        values["unit_id"] = unit_id
        values["community_id"] = community.id
        values["expected"] = expected
        return values

    def _place(
        self, values: dict[str, Any], unit: tuple[int, str] | None, ctx: Context
    ) -> tuple[Session, Community, set[tuple[int, int]]]:
        """The row's session and community, checked, with the pairs paired that day;
        every error of the row at once otherwise."""
        errors: list[CellError] = []
        session: Session | None = None
        try:
            session = self._session(values, ctx)
        except CellError as exc:
            errors.append(exc)
        if unit is None:
            errors.append(self._lookup_error(check.unit_by_code, values["unit_code"], "unit_code"))
        community = ctx.cache["communities"].get(values["community_code"])
        if community is None:
            errors.append(
                self._lookup_error(
                    check.community_by_code, values["community_code"], "community_code"
                )
            )
        start, end = values["start_time"], values["end_time"]
        if start and end and end <= start:
            errors.append(CellError(_("The end must come after the start."), "end_time"))
        if errors:
            raise _invalid(errors)
        assert session is not None and community is not None  # noqa: S101 - checked above
        self._check_session(session, community, ctx)
        return session, community, self._expected(session, ctx)

    @staticmethod
    def _lookup_error(lookup: Any, code: str, column: str) -> CellError:
        """The service's own message for a code that finds nothing (only on errors)."""
        errors: dict[str, list[str]] = {}
        lookup(code, errors)
        messages = next(iter(errors.values()), [_("Unknown code.")])
        return CellError(messages[0], column)

    def _permitted(self, unit_id: int, community: Community, ctx: Context) -> bool:
        permitted: dict[tuple[int, int], bool] = ctx.cache["permitted"]
        key = (unit_id, community.pk)
        allowed = permitted.get(key)
        if allowed is None:
            allowed = permitted[key] = may_record_for(ctx.user, unit_id, community)
        return allowed

    def _check_added(
        self,
        values: dict[str, Any],
        unit_name: str,
        session: Session,
        community: Community,
        ctx: Context,
    ) -> None:
        scope = ctx.scope
        if not (scope.is_office or is_area_staff(scope, community)):
            raise CellError(
                _(
                    "%(unit)s is not paired with %(community)s on %(date)s; only the "
                    "community or the city office can add it, with a reason."
                )
                % {
                    "unit": unit_name,
                    "community": community.name,
                    "date": session.date.isoformat(),
                },
                "unit_code",
            )
        if not values["added_reason"]:
            raise CellError(
                _("%(unit)s is not paired with %(community)s on %(date)s: say why it is added.")
                % {
                    "unit": unit_name,
                    "community": community.name,
                    "date": session.date.isoformat(),
                },
                "added_reason",
            )

    def key_of(self, values: dict[str, Any]) -> Hashable | None:
        return (values["session_id"], values["unit_id"], values["community_id"])

    # --- plan and write -------------------------------------------------------------

    def plan(self, rows: list[Row], ctx: Context) -> Plan:
        plan = Plan()
        session_ids = {row.values["session_id"] for row in rows}
        existing: dict[tuple[int, int, int], tuple[Any, ...]] = {}
        for record in (
            Attendance.objects.filter(session_id__in=session_ids)
            .values_list("pk", *KEY_FIELDS, *UPDATE_FIELDS)
            .iterator(chunk_size=10_000)
        ):
            existing[record[1:4]] = record
        office = ctx.scope.is_office
        locked: dict[int, bool] = {}
        user_id = ctx.user.pk
        width = len(VALUE_FIELDS)
        for row in rows:
            v = row.values
            session: Session = v["session"]
            values = tuple(v[f] for f in VALUE_FIELDS)
            is_past = locked.get(session.id)
            if is_past is None:
                is_past = locked[session.id] = is_locked(
                    SimpleNamespace(session=session), ctx.today
                )
            record = existing.get((v["session_id"], v["unit_id"], v["community_id"]))
            if record is None:
                if is_past and not office:
                    plan.errors.append(self._locked(row, session, office=False))
                    continue
                plan.creates.append(
                    (
                        v["session_id"],
                        v["unit_id"],
                        v["community_id"],
                        *values,
                        v["expected"],
                        user_id,
                    )
                )
                continue
            if record[4 : 4 + width] == values:
                plan.unchanged += 1
                continue
            if is_past and not (office and v["reason"]):
                plan.errors.append(self._locked(row, session, office=office))
                continue
            status, confirmed_by, confirmed_at = record[4 + width :]
            if status == AttendanceStatus.CONFIRMED and not (
                office or is_area_staff(ctx.scope, ctx.cache["communities"][v["community_code"]])
            ):
                # The community confirmed other figures: they confirm again.
                status, confirmed_by, confirmed_at = AttendanceStatus.SUBMITTED, None, None
            reason = v["reason"] if is_past else ""
            plan.updates.append(
                (reason, record[1:4], (record[0], *values, status, confirmed_by, confirmed_at))
            )
        return plan

    def _locked(self, row: Row, session: Session, *, office: bool) -> RowError:
        _field, message = _first_message(check.locked_error(session, office=office))
        column = "reason" if office else "session_date"
        return self.error(row.number, column, message)

    def write(self, plan: Plan, ctx: Context) -> None:
        note = bulk.HistoryNote(ctx.user.pk, ctx.history_reason, ctx.now)
        bulk.insert_rows(Attendance, CREATE_FIELDS, plan.creates, note=note)
        by_reason: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for reason, _key, update in plan.updates:
            by_reason[reason].append(update)
        for reason, updates in by_reason.items():
            bulk.update_rows(
                Attendance,
                UPDATE_FIELDS,
                updates,
                note=bulk.HistoryNote(ctx.user.pk, reason or ctx.history_reason, ctx.now),
            )
        self._withdraw_absences(plan)

    @staticmethod
    def _withdraw_absences(plan: Plan) -> None:
        """The units came after all: their stated absences no longer hold."""
        keys = {row[:3] for row in plan.creates}
        keys.update(key for _reason, key, _update in plan.updates)
        if not keys:
            return
        sessions = {key[0] for key in keys}
        gone = [
            pk
            for pk, *key in Absence.objects.filter(session_id__in=sessions).values_list(
                "pk", *KEY_FIELDS
            )
            if tuple(key) in keys
        ]
        if gone:
            Absence.objects.filter(pk__in=gone).delete()

    # --- export -------------------------------------------------------------------

    def export_rows(self, user: Any) -> Iterable[dict[str, Any]]:
        several = _dates_with_several_campaigns()
        for a in activity_queries.attendance_visible_to(user).iterator(chunk_size=2_000):
            yield {
                "session_date": a.session.date,
                "campaign": a.session.campaign.slug if a.session.date in several else "",
                "unit_code": a.unit.code,
                "community_code": a.community.code,
                "headcount": a.headcount,
                "leader_name": a.leader_name,
                "leader_rank": a.leader_rank,
                "principal_leader_led": parsing.YES_NO_CHOICES[0 if a.principal_leader_led else 1],
                "start_time": a.start_time,
                "end_time": a.end_time,
                "notes": a.notes,
                "added_reason": a.added_reason,
                "reason": "",
            }


def _dates_with_several_campaigns() -> set[dt.date]:
    seen: dict[dt.date, int] = defaultdict(int)
    for day in Session.objects.values_list("date", flat=True):
        seen[day] += 1
    return {day for day, count in seen.items() if count > 1}


def _invalid(errors: list[CellError]) -> CellError | RowInvalid:
    return errors[0] if len(errors) == 1 else RowInvalid(errors)
