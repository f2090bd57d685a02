"""The problem lifecycle as one table (DESIGN.md section 4).

Each row says: from which states an action may be taken, the state it leads
to, which actors may take it and what evidence it needs. ``services.
problem_transition`` enforces the table; :func:`workflow_markdown` renders it
for ``docs/workflow.md`` (a test keeps the two equal).

Actors are the roles of DESIGN.md section 3 acting *on this problem*: the
office anywhere; district, street and community staff when the problem's
community lies in their area; a unit liaison when the problem is dispatched
to their unit; the reporter (the public, through the follow token) on their
own problem. Leaders, inspectors and members take no workflow actions.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from gongzhi.problems.models import PendingRequest, ProblemState

S = ProblemState


class Actor(models.TextChoices):
    OFFICE = "office", _("City office")
    DISTRICT = "district", _("District officer")
    STREET = "street", _("Street officer")
    COMMUNITY = "community", _("Community staff")
    UNIT = "unit", _("Unit liaison of a dispatched unit")
    REPORTER = "reporter", _("Reporter")


class Evidence(models.TextChoices):
    """What an action needs; each maps to the argument named in ``field``."""

    NOTE = "note", _("a note")
    REASON = "reason", _("a reason (in the note)")
    PHOTO = "photo", _("at least one photo")
    TARGET = "target", _("units and/or the community to dispatch to")
    DEADLINE = "deadline", _("a deadline")
    DUPLICATE_OF = "duplicate_of", _("the original problem")
    RATING = "rating", _("a rating")


#: The service argument each kind of evidence is read from (ValidationError key).
EVIDENCE_FIELD: dict[str, str] = {
    Evidence.NOTE: "note",
    Evidence.REASON: "note",
    Evidence.PHOTO: "photos",
    Evidence.TARGET: "unit_codes",
    Evidence.DEADLINE: "deadline",
    Evidence.DUPLICATE_OF: "duplicate_of",
    Evidence.RATING: "rating",
}

# The verb of each action, as messages use it ("Your role cannot accept this problem.").
ACTION_VERBS = {
    "accept": _("accept"),
    "reject": _("reject"),
    "mark_duplicate": _("mark as a duplicate"),
    "dispatch": _("dispatch"),
    "start": _("start handling"),
    "handle": _("report as handled"),
    "verify_pass": _("pass verification of"),
    "verify_fail": _("fail verification of"),
    "request_extension": _("ask for an extension of"),
    "approve_extension": _("approve the extension of"),
    "reject_extension": _("refuse the extension of"),
    "request_park": _("ask to park"),
    "approve_park": _("approve parking"),
    "reject_park": _("refuse parking"),
    "rate": _("rate"),
    "callback": _("record the call-back for"),
}


def action_verb(action: str) -> str:
    """The action's verb in the active language."""
    return str(ACTION_VERBS.get(action, action.replace("_", " ")))


AREA_ACTORS = (Actor.OFFICE, Actor.DISTRICT, Actor.STREET, Actor.COMMUNITY)
HANDLERS = (Actor.UNIT, Actor.COMMUNITY)
WORKING = (S.DISPATCHED, S.IN_PROGRESS)


@dataclass(frozen=True)
class Transition:
    """One row of the workflow table.

    ``to_state`` ``None`` keeps the state (a request or a decision on it).
    ``needs_pending`` is the request that must be waiting (approve/reject);
    requests need none waiting. ``reopen_state`` is where a dissatisfied
    rating leads the first time.
    """

    action: str
    label: str
    from_states: tuple[str, ...]
    to_state: str | None
    actors: tuple[str, ...]
    evidence: tuple[str, ...] = ()
    needs_pending: str | None = None
    sets_pending: str | None = None
    reopen_state: str | None = None
    explain: str = ""


TABLE: tuple[Transition, ...] = (
    Transition("accept", "立案 accept", (S.REPORTED,), S.ACCEPTED, AREA_ACTORS),
    Transition(
        "reject", "不予立案 reject", (S.REPORTED,), S.REJECTED, AREA_ACTORS, (Evidence.REASON,)
    ),
    Transition(
        "mark_duplicate",
        "重复 mark duplicate",
        (S.REPORTED, S.ACCEPTED),
        S.DUPLICATE,
        AREA_ACTORS,
        (Evidence.DUPLICATE_OF,),
        explain="The original must be another, non-duplicate problem.",
    ),
    Transition(
        "dispatch",
        "派遣 dispatch",
        (S.ACCEPTED,),
        S.DISPATCHED,
        AREA_ACTORS,
        (Evidence.TARGET,),
        explain="Deadline: given, or the category's working days from today.",
    ),
    Transition("start", "开始处置 start", (S.DISPATCHED,), S.IN_PROGRESS, HANDLERS),
    Transition(
        "handle",
        "处置 handle",
        WORKING,
        S.HANDLED,
        HANDLERS,
        (Evidence.NOTE, Evidence.PHOTO),
    ),
    Transition("verify_pass", "核查通过 verify: pass", (S.HANDLED,), S.CLOSED, AREA_ACTORS),
    Transition(
        "verify_fail",
        "核查不通过 verify: fail",
        (S.HANDLED,),
        S.DISPATCHED,
        AREA_ACTORS,
        (Evidence.REASON,),
        explain="Counts one rework (返工).",
    ),
    Transition(
        "request_extension",
        "申请延期 request extension",
        WORKING,
        None,
        HANDLERS,
        (Evidence.REASON, Evidence.DEADLINE),
        sets_pending=PendingRequest.EXTENSION,
        explain="The deadline must be later than the current one.",
    ),
    Transition(
        "approve_extension",
        "批准延期 approve extension",
        WORKING,
        None,
        (Actor.OFFICE,),
        needs_pending=PendingRequest.EXTENSION,
        explain="The deadline becomes the one requested (or the one given).",
    ),
    Transition(
        "reject_extension",
        "驳回延期 reject extension",
        WORKING,
        None,
        (Actor.OFFICE,),
        (Evidence.REASON,),
        needs_pending=PendingRequest.EXTENSION,
    ),
    Transition(
        "request_park",
        "申请挂账 request parking",
        WORKING,
        None,
        HANDLERS,
        (Evidence.REASON,),
        sets_pending=PendingRequest.PARK,
    ),
    Transition(
        "approve_park",
        "批准挂账 approve parking",
        WORKING,
        S.PARKED,
        (Actor.OFFICE,),
        needs_pending=PendingRequest.PARK,
    ),
    Transition(
        "reject_park",
        "驳回挂账 reject parking",
        WORKING,
        None,
        (Actor.OFFICE,),
        (Evidence.REASON,),
        needs_pending=PendingRequest.PARK,
    ),
    Transition(
        "rate",
        "评价 rate",
        (S.CLOSED,),
        None,
        (Actor.REPORTER,),
        (Evidence.RATING,),
        reopen_state=S.DISPATCHED,
        explain="Once per closing; dissatisfied reopens the first time only.",
    ),
    Transition(
        "callback",
        "回访 call back",
        (S.CLOSED,),
        None,
        (Actor.COMMUNITY, Actor.OFFICE),
        (Evidence.RATING,),
        reopen_state=S.DISPATCHED,
        explain="Records the reporter's rating after a phone call; same rules as rate.",
    ),
)

TRANSITIONS: dict[str, Transition] = {t.action: t for t in TABLE}
ACTIONS: tuple[str, ...] = tuple(TRANSITIONS)


def transition_for(action: str) -> Transition | None:
    return TRANSITIONS.get(action)


def actions_from(state: str, actors: frozenset[str] | set[str]) -> list[str]:
    """Actions the given actors may take from ``state`` (for pages: which buttons to show)."""
    return [t.action for t in TABLE if state in t.from_states and set(t.actors) & set(actors)]


def workflow_markdown() -> str:
    """The table as Markdown, for docs/workflow.md (English: docs are in English)."""
    with translation.override("en"):
        return _markdown()


def _markdown() -> str:
    lines = [
        "# Problem workflow",
        "",
        "<!-- Generated by gongzhi.problems.workflow.workflow_markdown(); "
        "tests/problems/test_workflow_doc.py keeps it equal. -->",
        "",
        "Each transition is allowed only from the states and for the actors listed, "
        "and only with the evidence listed; it writes one `ProblemEvent` (who, when, "
        "note, data). A transition names the `version` it was based on; if the problem "
        "changed meanwhile it is refused as *changed by someone else* (HTTP 409) and "
        "nothing is written.",
        "",
        "Actors: **office** anywhere; **district**, **street**, **community** when the "
        "problem's community lies in their area; **unit** = the liaison of a unit the "
        "problem is dispatched to; **reporter** = the public reporter through the follow "
        "token. Leaders, inspectors and members take no workflow actions.",
        "",
        "| action | from | to | actors | evidence | notes |",
        "|---|---|---|---|---|---|",
    ]
    for t in TABLE:
        to = t.to_state or "(unchanged)"
        if t.reopen_state:
            to += f"; dissatisfied → {t.reopen_state}"
        notes = []
        if t.sets_pending:
            notes.append(f"opens a pending {t.sets_pending} request (none may be pending)")
        if t.needs_pending:
            notes.append(f"needs a pending {t.needs_pending} request, clears it")
        if t.explain:
            notes.append(t.explain)
        evidence = ", ".join(str(Evidence(e).label) for e in t.evidence) or "—"
        lines.append(
            f"| `{t.action}` ({t.label}) | {', '.join(t.from_states)} | {to} | "
            f"{', '.join(t.actors)} | {evidence} | {' '.join(notes) or '—'} |"
        )
    lines += [
        "",
        "Overdue: the deadline has passed and the state is not one of "
        "handled, closed, rejected, duplicate, parked.",
        "",
    ]
    return "\n".join(lines)
