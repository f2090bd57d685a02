"""The demo ledger: every category, source and state, valid histories, a working Open311 key."""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

from django.db.models import Count
from django.test import Client
from django.utils import timezone
from PIL import Image

from gongzhi.areas.models import Community
from gongzhi.core.models import User
from gongzhi.demo.accounts import DEMO_COMMUNITY, DEMO_UNIT_SHORT_NAME
from gongzhi.demo.loader import load_demo
from gongzhi.demo.problems import DEMO_12345_KEY, DEMO_OPEN311_KEY
from gongzhi.problems import geo, queries, services, workflow
from gongzhi.problems.models import (
    Dispatch,
    Escalation,
    EscalationKind,
    Open311Client,
    PendingRequest,
    Problem,
    ProblemCounter,
    ProblemEvent,
    ProblemPhoto,
    ProblemSource,
    ProblemState,
    Satisfaction,
)
from gongzhi.problems.taxonomy import CATEGORIES
from gongzhi.units.models import Pairing

S = ProblemState
NUMBER = re.compile(r"^(\d{4})-(\d{6})$")


def _problem_rows() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Problem, ProblemEvent, Dispatch, ProblemPhoto, Escalation, ProblemCounter)
    } | {"Open311Client": Open311Client.objects.count()}


def test_the_demo_has_problems_in_every_category(demo_city: dict[str, Any], db: None) -> None:
    used = set(Problem.objects.values_list("category__code", flat=True))
    assert used == {code for code, *_rest in CATEGORIES}
    assert len(used) == 22


def test_the_demo_has_problems_from_every_source(demo_city: dict[str, Any], db: None) -> None:
    assert set(Problem.objects.values_list("source", flat=True)) == set(ProblemSource.values)


def test_the_demo_has_problems_in_every_state(demo_city: dict[str, Any], db: None) -> None:
    counts = Counter(Problem.objects.values_list("state", flat=True))
    assert set(counts) == set(ProblemState.values)
    # Most of the story is closed; the ledger still has work waiting today.
    assert counts[S.CLOSED] > sum(counts.values()) / 2
    assert counts[S.DISPATCHED] + counts[S.IN_PROGRESS] >= 10


def test_hundreds_of_problems_mostly_from_the_campaign_months(
    demo_city: dict[str, Any], db: None
) -> None:
    total = Problem.objects.count()
    campaign = Problem.objects.filter(number__startswith="2021-").count()
    assert total >= 300
    assert campaign > total * 0.8
    assert demo_city["problems"] == total


def test_some_problems_are_overdue_today_and_show_the_escalation_ladder(
    demo_city: dict[str, Any], db: None
) -> None:
    today = timezone.localdate()
    overdue = list(queries.problems_overdue(on=today))
    assert len(overdue) >= 3
    assert {p.state for p in overdue} <= {S.DISPATCHED, S.IN_PROGRESS}
    assert demo_city["problems_overdue"] == len(overdue)
    kinds = set(Escalation.objects.values_list("kind", flat=True))
    assert kinds == set(EscalationKind.values)
    criticised = Problem.objects.filter(escalation_kind=EscalationKind.CRITICISM)
    assert criticised.exists()
    for problem in criticised:
        assert problem.deadline < today
        assert problem.events.filter(action="escalate").count() >= 3


def test_escalations_come_after_the_dispatch_and_never_in_the_future(
    demo_city: dict[str, Any], db: None
) -> None:
    now = timezone.now()
    for escalation in Escalation.objects.select_related("event"):
        event = escalation.event
        dispatched = ProblemEvent.objects.filter(
            problem_id=escalation.problem_id, action="dispatch"
        ).first()
        assert dispatched is not None and event is not None
        assert dispatched.at < event.at <= now
        assert timezone.localtime(event.at).date() == escalation.on


def test_duplicates_point_to_originals_that_are_not_duplicates(
    demo_city: dict[str, Any], db: None
) -> None:
    duplicates = list(Problem.objects.filter(state=S.DUPLICATE).select_related("duplicate_of"))
    assert len(duplicates) >= 5
    original_states = set()
    for duplicate in duplicates:
        original = duplicate.duplicate_of
        assert original is not None and original.state != S.DUPLICATE
        assert original.category_id == duplicate.category_id
        assert original.community_id == duplicate.community_id
        if original.lat is not None:
            distance = geo.distance_m(original.lat, original.lng, duplicate.lat, duplicate.lng)
            assert distance < 50
        event = duplicate.events.get(action="mark_duplicate")
        assert event.data["duplicate_of"] == original.number
        original_states.add(original.state)
    assert S.CLOSED in original_states
    assert original_states & {S.DISPATCHED, S.IN_PROGRESS}
    assert not Problem.objects.exclude(state=S.DUPLICATE).filter(duplicate_of__isnull=False)


def test_every_problems_events_replay_through_the_workflow_table(
    demo_city: dict[str, Any], db: None
) -> None:
    events: dict[int, list[ProblemEvent]] = {}
    for event in ProblemEvent.objects.order_by("at", "id"):
        events.setdefault(event.problem_id, []).append(event)
    now = timezone.now()
    problems = list(Problem.objects.all())
    for problem in problems:
        history = events[problem.pk]
        first, rest = history[0], history[1:]
        assert (first.action, first.from_state, first.to_state) == ("report", "", S.REPORTED)
        assert first.at == problem.created_at
        state, pending, transitions = S.REPORTED, "", 0
        for event in rest:
            assert event.at <= now, problem.number
            assert event.from_state == state, (problem.number, event.action)
            if event.action == "escalate":
                assert event.to_state == state and event.actor_role == "system"
                continue
            t = workflow.TRANSITIONS[event.action]
            assert state in t.from_states, (problem.number, event.action, state)
            assert event.actor_role in t.actors, (problem.number, event.action)
            if t.needs_pending:
                assert pending == t.needs_pending, problem.number
            if t.sets_pending:
                assert not pending, problem.number
            reopened = event.data.get("reopened") is True
            expected = t.reopen_state if reopened else (t.to_state or state)
            assert event.to_state == expected, (problem.number, event.action)
            if t.sets_pending:
                pending = t.sets_pending
            elif t.needs_pending or t.to_state is not None:
                pending = ""
            state = event.to_state
            transitions += 1
        assert state == problem.state, problem.number
        assert pending == problem.pending_request, problem.number
        assert problem.version == 1 + transitions, problem.number


def test_the_fields_match_what_the_events_did(demo_city: dict[str, Any], db: None) -> None:
    for problem in Problem.objects.prefetch_related("events", "dispatches__unit"):
        events = list(problem.events.all())
        actions = [e.action for e in events]
        if "dispatch" in actions:
            dispatch = next(e for e in events if e.action == "dispatch")
            units = sorted(d.unit.code for d in problem.dispatches.all())
            assert dispatch.data["unit_codes"] == units, problem.number
            assert units or problem.dispatched_to_community, problem.number
            day = timezone.localtime(dispatch.at).date()
            assert dispatch.data["deadline"] == str(services.deadline_for(problem.category, day))
            # The last deadline an event set or named is the problem's deadline.
            named = [e for e in events if "deadline" in e.data and e.action != "escalate"]
            assert str(problem.deadline) == named[-1].data["deadline"], problem.number
        else:
            assert problem.deadline is None and not problem.dispatches.all()
        assert problem.rework_count == actions.count("verify_fail"), problem.number
        if problem.state == S.CLOSED:
            assert problem.closed_at is not None and problem.handled_at is not None
            assert problem.handled_at <= problem.closed_at
        if problem.state == S.HANDLED:
            assert problem.handled_at is not None and problem.closed_at is None


def test_the_lifecycle_variants_are_all_in_the_story(demo_city: dict[str, Any], db: None) -> None:
    rejected = ProblemEvent.objects.filter(action="reject")
    assert rejected.exists() and not rejected.filter(note="").exists()
    parked = Problem.objects.filter(state=S.PARKED)
    assert parked.exists()
    for problem in parked:
        actions = list(problem.events.values_list("action", flat=True))
        assert actions[-2:] == ["request_park", "approve_park"]
    waiting = Problem.objects.filter(pending_request=PendingRequest.EXTENSION)
    assert waiting.exists()
    for problem in waiting:
        assert problem.requested_deadline > problem.deadline
    assert Problem.objects.filter(pending_request=PendingRequest.PARK).exists()
    assert ProblemEvent.objects.filter(action="approve_extension").exists()
    assert Problem.objects.filter(rework_count=1, state__in=[S.DISPATCHED, S.IN_PROGRESS]).exists()
    assert Problem.objects.filter(reopened_by_rating=True, state=S.DISPATCHED).exists()
    assert Problem.objects.filter(satisfaction=Satisfaction.DISSATISFIED).exists()
    assert ProblemEvent.objects.filter(action="callback").exists()
    assert ProblemEvent.objects.filter(action="rate", actor_role="reporter").exists()


def test_numbers_are_unique_and_each_years_counter_is_at_the_highest(
    demo_city: dict[str, Any], db: None
) -> None:
    numbers = list(Problem.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    highest: dict[int, int] = {}
    for number in numbers:
        match = NUMBER.match(number)
        assert match, number
        year, serial = int(match[1]), int(match[2])
        highest[year] = max(highest.get(year, 0), serial)
    assert highest[2021] == Problem.objects.filter(number__startswith="2021-").count()
    counters = dict(ProblemCounter.objects.values_list("year", "last"))
    assert counters == highest
    tokens = Problem.objects.values("follow_token").annotate(n=Count("id")).filter(n__gt=1)
    assert not tokens.exists()
    assert not Problem.objects.filter(follow_token__isnull=True).exists()


def test_numbers_follow_the_order_of_reporting(demo_city: dict[str, Any], db: None) -> None:
    rows = list(Problem.objects.order_by("number").values_list("created_at", "number"))
    assert [n for _at, n in sorted(rows)] == [n for _at, n in rows]
    first = Problem.objects.get(number="2021-000001")
    assert timezone.localtime(first.created_at).date().isoformat() >= "2021-07-01"
    last_2021 = Problem.objects.filter(number__startswith="2021-").order_by("-number").first()
    assert last_2021 is not None
    assert timezone.localtime(last_2021.created_at).date().isoformat() <= "2021-10-31"


def test_a_new_report_gets_the_number_after_the_demo_ones(
    demo_city: dict[str, Any], db: None
) -> None:
    office = User.objects.get(username="office")
    problem = services.problem_report(
        user=office,
        category_code="piled_debris",
        source=ProblemSource.COMMUNITY_PATROL,
        description="楼道堆放杂物",
        community_code=DEMO_COMMUNITY,
    )
    year = timezone.localdate().year
    demo_last = max(
        (
            int(n.split("-")[1])
            for n in Problem.objects.filter(number__startswith=f"{year}-")
            .exclude(pk=problem.pk)
            .values_list("number", flat=True)
        ),
        default=0,
    )
    assert problem.number == f"{year}-{demo_last + 1:06d}"


def test_places_lie_inside_the_problems_community(demo_city: dict[str, Any], db: None) -> None:
    problems = Problem.objects.select_related("community", "compound")
    assert problems.filter(lat__isnull=False).count() > problems.count() * 0.8
    for problem in problems:
        if problem.lat is not None:
            outline = problem.community.outline
            assert geo.point_in_geometry(problem.lat, problem.lng, outline), problem.number
        if problem.compound is not None:
            assert problem.compound.community_id == problem.community_id
            assert problem.address.startswith(problem.compound.name)


def test_problems_go_to_units_paired_with_the_community_or_to_the_community(
    demo_city: dict[str, Any], db: None
) -> None:
    pairs = set(Pairing.objects.values_list("unit_id", "community_id"))
    dispatches = list(Dispatch.objects.values_list("unit_id", "problem__community_id"))
    assert dispatches
    assert all(pair in pairs for pair in dispatches)
    community_only = Problem.objects.filter(dispatched_to_community=True, dispatches=None)
    assert community_only.exclude(deadline=None).exists()


def test_reporters_are_fictional_with_mobile_numbers_or_anonymous(
    demo_city: dict[str, Any], db: None
) -> None:
    phones = list(
        Problem.objects.exclude(reporter_phone="").values_list("reporter_phone", flat=True)
    )
    assert len(phones) > 100
    assert all(re.fullmatch(r"138\d{8}", phone) for phone in phones)
    anonymous = Problem.objects.filter(reporter_anonymous=True)
    assert anonymous.exists()
    assert not anonymous.exclude(reporter_name="", reporter_phone="").exists()
    assert len(set(Problem.objects.values_list("title", flat=True))) > 60


def test_a_few_problems_have_photos_on_their_report_or_handling(
    demo_city: dict[str, Any], db: None
) -> None:
    photos = list(ProblemPhoto.objects.select_related("event"))
    assert 5 <= len(photos) <= 12
    assert {p.event.action for p in photos if p.event} == {"report", "handle"}
    for photo in photos:
        assert photo.event is not None and photo.event.problem_id == photo.problem_id
        assert photo.pk in photo.event.data["photos"]
        with photo.public.open("rb") as handle:
            image = Image.open(io.BytesIO(handle.read()))
            image.load()
        assert not image.getexif()
        with photo.thumb.open("rb") as handle:
            assert max(Image.open(handle).size) <= 320


def test_the_demo_logins_have_problems_to_work_on(demo_city: dict[str, Any], db: None) -> None:
    community = User.objects.get(username="community")
    unit = User.objects.get(username="unit")
    mine = queries.problems_visible_to(community)
    assert mine.filter(state=S.REPORTED).exists()
    reported = mine.filter(state=S.REPORTED).first()
    assert reported is not None
    assert "accept" in workflow.actions_from(
        reported.state, services.actors_for(community, reported)
    )
    assert mine.filter(state=S.HANDLED).exists()
    dispatched = queries.problems_visible_to(unit).filter(state__in=[S.DISPATCHED, S.IN_PROGRESS])
    assert dispatched.exists()
    problem = dispatched.first()
    assert problem is not None
    assert problem.dispatches.filter(unit__short_name=DEMO_UNIT_SHORT_NAME).exists()
    # The demo's unit login works on it through the services like anyone else.
    handled = services.problem_transition(
        user=unit,
        problem_number=problem.number,
        action="handle",
        expected_version=problem.version,
        note="已清理完毕",
        photos=[_jpeg()],
    )
    assert handled.state == S.HANDLED


def test_the_inspector_login_sees_the_inspection_findings_it_recorded(
    demo_city: dict[str, Any], db: None
) -> None:
    inspector = User.objects.get(username="inspector")
    visible = queries.problems_visible_to(inspector)
    assert visible.exists()
    assert set(visible.values_list("source", flat=True)) == {ProblemSource.INSPECTION}


def test_the_printed_open311_api_key_authenticates(demo_city: dict[str, Any], db: None) -> None:
    match = re.search(r"Open311 api_key: (\S+) \(POST (\S+)\)", demo_city["output"])
    assert match, demo_city["output"]
    key, url = match[1], match[2]
    assert key == DEMO_OPEN311_KEY
    assert url.endswith("/open311/v2/requests.json") and url.startswith("http://127.0.0.1:")
    client = Open311Client.objects.get(key_hash=Open311Client.hash_key(key))
    assert client.is_active and client.prefix == key[:8]
    assert client.source == ProblemSource.RESIDENT_REPORT
    hotline = Open311Client.objects.get(key_hash=Open311Client.hash_key(DEMO_12345_KEY))
    assert hotline.is_active and hotline.source == ProblemSource.HOTLINE_12345


def test_a_request_posted_with_the_printed_key_lands_in_the_ledger(
    demo_city: dict[str, Any], db: None, client: Client
) -> None:
    key = re.search(r"Open311 api_key: (\S+)", demo_city["output"])
    assert key
    community = Community.objects.get(code=DEMO_COMMUNITY)
    answer = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key[1],
            "service_code": "piled_debris",
            "lat": str(community.centre_lat),
            "long": str(community.centre_lng),
            "description": "3栋楼道口堆放废旧家具",
        },
    )
    assert answer.status_code == 200, answer.content
    number = answer.json()[0]["service_request_id"]
    problem = Problem.objects.get(number=number)
    assert problem.community == community
    assert problem.source == ProblemSource.RESIDENT_REPORT
    refused = client.post(
        "/open311/v2/requests.json",
        {"api_key": "not-the-demo-key", "service_code": "piled_debris", "description": "x"},
    )
    assert refused.status_code == 403


def test_the_demo_restores_a_disabled_open311_client(demo_city: dict[str, Any], db: None) -> None:
    Open311Client.objects.update(is_active=False)
    Open311Client.objects.filter(source=ProblemSource.RESIDENT_REPORT).update(key_hash="x" * 64)
    load_demo(io.StringIO())
    client = Open311Client.objects.get(key_hash=Open311Client.hash_key(DEMO_OPEN311_KEY))
    assert client.is_active
    assert Open311Client.objects.count() == 2


def test_the_summary_counts_the_ledger(demo_city: dict[str, Any], db: None) -> None:
    output = demo_city["output"]
    assert f"{Problem.objects.count()} problems" in output
    assert (
        demo_city["problems_open"]
        == Problem.objects.exclude(state__in=[S.CLOSED, S.REJECTED, S.DUPLICATE, S.PARKED]).count()
    )


def test_loading_again_writes_no_problem_event_photo_or_escalation(
    demo_city: dict[str, Any], db: None
) -> None:
    before = _problem_rows()
    versions = dict(Problem.objects.values_list("number", "version"))
    summary = load_demo(io.StringIO())
    assert _problem_rows() == before
    assert dict(Problem.objects.values_list("number", "version")) == versions
    assert summary["problems_created"] == 0
    assert summary["escalations"] == 0
    assert demo_city["problems_created"] == demo_city["problems"]


def test_loading_again_brings_back_a_deleted_problem_with_its_history(
    demo_city: dict[str, Any], db: None
) -> None:
    problem = Problem.objects.filter(state=S.CLOSED, duplicates=None).order_by("number")[5]
    events = problem.events.count()
    ProblemPhoto.objects.filter(problem=problem).delete()
    problem.delete()
    summary = load_demo(io.StringIO())
    assert summary["problems_created"] == 1
    again = Problem.objects.get(number=problem.number)
    assert again.title == problem.title and again.state == S.CLOSED
    assert again.events.count() == events


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (90, 140, 60)).save(out, "JPEG")
    return out.getvalue()
