"""Reporting a problem: numbers, the community from the map point, validation."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongzhi.problems import geo, services
from gongzhi.problems.models import Category, ProblemEvent, ProblemSource, ProblemState
from tests.factories import CommunityFactory, World


def hexagon(lat: float, lng: float, radius: float = 0.005) -> dict[str, Any]:
    """A demo-like hexagonal outline (GeoJSON, closed ring)."""
    ring = [
        [lng + radius * math.cos(math.pi / 3 * k), lat + radius * math.sin(math.pi / 3 * k)]
        for k in range(6)
    ]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def _report(user: Any, **kw: Any) -> Any:
    values: dict[str, Any] = {
        "category_code": "garbage_dead_corner",
        "source": "grassroots_visit",
        "description": "墙角有垃圾",
    }
    values.update(kw)
    return services.problem_report(user=user, **values)


def test_numbers_are_distinct_and_sequential_within_the_year(
    world: World, categories: None
) -> None:
    year = timezone.localdate().year
    first = _report(world.users["office"], community_code=world.community_a1.code)
    second = _report(world.users["office"], community_code=world.community_b1.code)
    assert first.number == f"{year}-000001"
    assert second.number == f"{year}-000002"


def test_a_report_starts_reported_with_one_event(world: World, categories: None) -> None:
    problem = _report(world.users["community"], community_code=world.community_a1.code)
    assert problem.state == ProblemState.REPORTED
    assert problem.version == 1
    event = ProblemEvent.objects.get(problem=problem)
    assert (event.action, event.to_state, event.actor) == (
        "report",
        "reported",
        world.users["community"],
    )


def test_the_community_is_found_from_the_point(world: World, categories: None) -> None:
    east = CommunityFactory(
        street=world.street_a,
        code="421303001009",
        name="东关社区",
        centre_lat=31.80,
        centre_lng=113.50,
        outline=hexagon(31.80, 113.50),
    )
    problem = _report(world.users["office"], lat=31.802, lng=113.501)
    assert problem.community == east


def test_a_point_outside_every_community_is_refused(world: World, categories: None) -> None:
    with pytest.raises(ValidationError) as refused:
        _report(world.users["office"], lat=30.0, lng=110.0)
    assert "community_code" in refused.value.message_dict


def test_a_hexagon_contains_its_inside_and_not_its_outside() -> None:
    outline = hexagon(31.8, 113.5)
    assert geo.point_in_geometry(31.8, 113.5, outline)
    assert geo.point_in_geometry(31.803, 113.5015, outline)
    # Just outside the slanted top-right edge, inside the bounding box.
    assert not geo.point_in_geometry(31.8044, 113.5045, outline)
    assert not geo.point_in_geometry(31.9, 113.5, outline)


def test_a_hole_is_not_inside() -> None:
    outline = hexagon(31.8, 113.5)
    hole = hexagon(31.8, 113.5, radius=0.001)["coordinates"][0]
    outline["coordinates"].append(hole)
    assert not geo.point_in_geometry(31.8, 113.5, outline)
    assert geo.point_in_geometry(31.8035, 113.5, outline)


def test_the_public_report_is_a_resident_report_of_a_reportable_category(
    world: World, categories: None
) -> None:
    problem = _report(None, community_code=world.community_a1.code, source="inspection")
    assert problem.source == ProblemSource.RESIDENT_REPORT
    assert problem.created_by is None
    with pytest.raises(ValidationError) as refused:
        _report(None, community_code=world.community_a1.code, category_code="civility_publicity")
    assert "category_code" in refused.value.message_dict


def test_bad_input_names_each_field(world: World, categories: None) -> None:
    with pytest.raises(ValidationError) as refused:
        _report(
            world.users["office"],
            category_code="nope",
            source="rumour",
            description=" ",
            reporter_phone="call me",
        )
    assert set(refused.value.message_dict) >= {
        "category_code",
        "source",
        "description",
        "reporter_phone",
        "community_code",
    }


def test_area_staff_report_only_inside_their_area(world: World, categories: None) -> None:
    with pytest.raises(PermissionDenied):
        _report(world.users["community"], community_code=world.community_b1.code)
    with pytest.raises(PermissionDenied):
        _report(world.users["leader"], community_code=world.community_a1.code)


def test_anonymous_reports_keep_no_contact(world: World, categories: None) -> None:
    problem = _report(
        None,
        community_code=world.community_a1.code,
        reporter_name="王五",
        reporter_phone="13800001111",
        anonymous=True,
    )
    assert (problem.reporter_name, problem.reporter_phone) == ("", "")


def test_seeding_categories_is_idempotent_and_covers_every_group(db: None) -> None:
    created = services.categories_seed()
    assert services.categories_seed() == 0
    assert Category.objects.count() == created
    groups = dict.fromkeys(("four_cleanups", "special_rectification", "volunteer_service"), 0)
    for category in Category.objects.all():
        groups[category.group] = groups.get(category.group, 0) + 1
    assert groups["four_cleanups"] == 4
    assert groups["special_rectification"] == 6
    assert groups["volunteer_service"] == 4
    assert Category.objects.filter(name="毁绿种菜", group="other").exists()


def test_a_case_from_another_system_keeps_its_reference_and_its_day(
    world: World, categories: None
) -> None:
    when = timezone.make_aware(dt.datetime(2021, 9, 10, 9, 31))
    problem = _report(
        world.users["office"],
        community_code=world.community_a1.code,
        source=ProblemSource.HOTLINE_12345,
        external_ref="2021091000123",
        reported_at=when,
    )
    problem.refresh_from_db()
    assert problem.number == "2021-000001"
    assert problem.external_ref == "2021091000123"
    assert problem.created_at == when
    assert ProblemEvent.objects.get(problem=problem, action="report").at == when


def test_the_same_reference_twice_from_one_source_is_refused_naming_it(
    world: World, categories: None
) -> None:
    office = world.users["office"]
    code = world.community_a1.code
    _report(office, community_code=code, source=ProblemSource.HOTLINE_12345, external_ref="A-1")
    with pytest.raises(ValidationError) as refused:
        _report(office, community_code=code, source=ProblemSource.HOTLINE_12345, external_ref="A-1")
    assert "external_ref" in refused.value.message_dict
    # Another source may use the same number for its own case.
    assert _report(office, community_code=code, external_ref="A-1").external_ref == "A-1"


def test_a_report_time_in_the_future_is_refused(world: World, categories: None) -> None:
    later = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        _report(world.users["office"], community_code=world.community_a1.code, reported_at=later)
    assert "reported_at" in refused.value.message_dict


def test_residents_cannot_backdate_or_reference_their_reports(
    world: World, categories: None
) -> None:
    problem = services.problem_report(
        user=None,
        category_code="garbage_dead_corner",
        source="resident_report",
        description="楼道堆物",
        community_code=world.community_a1.code,
        external_ref="X-9",
        reported_at=timezone.make_aware(dt.datetime(2021, 1, 1)),
    )
    assert problem.external_ref == ""
    assert problem.created_at.year == timezone.localdate().year
