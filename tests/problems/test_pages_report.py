"""The staff report form: recording a problem with photos, its errors, and its helpers
(duplicate suggestions and compound options)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from gongzhi.problems.models import Problem, ProblemEvent, ProblemPhoto
from tests.core.photo_samples import camera_jpeg, truncated
from tests.factories import CommunityFactory, CompoundFactory, World, square

CREATE = reverse("problems:create")


def jpeg(name: str = "corner.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data or camera_jpeg(), content_type="image/jpeg")


def report(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "category": "garbage_dead_corner",
        "source": "community_patrol",
        "description": "三号楼墙角堆满垃圾",
        "priority": "normal",
        "is_public": "on",
    }
    values.update(fields)
    return values


def test_community_staff_record_a_problem_with_a_photo(
    world: World, categories: None, client: Client
) -> None:
    compound = CompoundFactory(community=world.community_a1, name="幸福小区")
    client.force_login(world.users["community"])
    response = client.post(
        CREATE,
        report(
            community=world.community_a1.code,
            compound=str(compound.pk),
            title="墙角垃圾",
            reporter_name="王五",
            reporter_phone="13800001111",
            photos=[jpeg()],
        ),
    )
    problem = Problem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("problems:detail", kwargs={"number": problem.number})
    assert (problem.community, problem.compound, problem.title) == (
        world.community_a1,
        compound,
        "墙角垃圾",
    )
    assert problem.created_by == world.users["community"]
    event = ProblemEvent.objects.get(problem=problem)
    assert event.action == "report"
    assert ProblemPhoto.objects.get(problem=problem).event == event
    page = client.get(response["Location"])
    text = page.content.decode()
    assert f"Problem {problem.number} is recorded." in text
    assert "13800001111" in text
    assert reverse("problems:photo", args=[event.photos.get().pk, "thumb"]) in text


def test_a_pin_alone_finds_the_community(world: World, categories: None, client: Client) -> None:
    east = CommunityFactory(
        street=world.street_a,
        code="421303001019",
        centre_lat=31.90,
        centre_lng=113.60,
        outline=square(31.90, 113.60),
    )
    client.force_login(world.users["street"])
    response = client.post(CREATE, report(lat="31.9005", lng="113.6002"))
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert problem.community == east
    assert (problem.lat, problem.lng) == (31.9005, 113.6002)


def test_missing_fields_are_named_and_nothing_is_written(
    world: World, categories: None, client: Client
) -> None:
    client.force_login(world.users["community"])
    response = client.post(CREATE, report(category="", description=""))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"category", "description"}
    assert 'data-field-error="description"' in response.content.decode()
    assert not Problem.objects.exists()


def test_service_errors_land_on_their_fields(
    world: World, categories: None, client: Client
) -> None:
    client.force_login(world.users["community"])
    response = client.post(CREATE, report(reporter_phone="call me"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["reporter_phone"] == ["Enter a phone number of digits, e.g. 13800000000."]
    assert errors["community"] == ["Choose the community, or give the place on the map."]
    assert not Problem.objects.exists()


def test_a_damaged_photo_is_refused_by_name_and_nothing_is_written(
    world: World, categories: None, client: Client
) -> None:
    client.force_login(world.users["community"])
    response = client.post(
        CREATE,
        report(
            community=world.community_a1.code,
            photos=[jpeg("good.jpg"), jpeg("broken.jpg", truncated(camera_jpeg()))],
        ),
    )
    assert response.status_code == 400
    [message] = response.context["form"].errors["photos"]
    assert message.startswith("broken.jpg: ")
    assert not Problem.objects.exists()
    assert not ProblemPhoto.objects.exists()


def test_a_pin_outside_every_community_is_refused_on_the_community(
    world: World, categories: None, client: Client
) -> None:
    client.force_login(world.users["office"])
    response = client.post(CREATE, report(lat="30.0", lng="110.0"))
    assert response.status_code == 400
    assert response.context["form"].errors["community"] == [
        "The point lies in no community we know; choose the community."
    ]


def test_a_pin_in_another_area_is_refused_on_the_community(
    world: World, categories: None, client: Client
) -> None:
    CommunityFactory(
        street=world.street_b,
        code="421381001019",
        centre_lat=31.80,
        centre_lng=113.50,
        outline=square(31.80, 113.50),
    )
    client.force_login(world.users["community"])
    response = client.post(CREATE, report(lat="31.8001", lng="113.5001"))
    assert response.status_code == 400
    assert response.context["form"].errors["community"] == [
        "You can report problems only inside your own area."
    ]
    assert not Problem.objects.exists()


def test_the_community_choices_are_those_one_may_report_in(
    world: World, categories: None, client: Client
) -> None:
    client.force_login(world.users["street"])
    form = client.get(CREATE).context["form"]
    codes = {
        code for _group, options in form.fields["community"].choices[1:] for code, _ in options
    }
    assert codes == {world.community_a1.code, world.community_a2.code}
    response = client.post(CREATE, report(community=world.community_b1.code))
    assert response.status_code == 400
    assert "community" in response.context["form"].errors


def test_a_compound_of_another_community_is_refused(
    world: World, categories: None, client: Client
) -> None:
    elsewhere = CompoundFactory(community=world.community_a2)
    client.force_login(world.users["street"])
    response = client.post(
        CREATE, report(community=world.community_a1.code, compound=str(elsewhere.pk))
    )
    assert response.status_code == 400
    assert "compound" in response.context["form"].errors


@pytest.mark.parametrize("role", ["leader", "nobody"])
def test_roles_that_do_not_report_get_403(world: World, client: Client, role: str) -> None:
    client.force_login(world.users[role])
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, report()).status_code == 403


def test_the_unit_liaison_reports_from_a_grassroots_visit_by_default(
    world: World, categories: None, client: Client
) -> None:
    client.force_login(world.users["unit"])
    form = client.get(CREATE).context["form"]
    assert form.fields["source"].initial == "grassroots_visit"


# --- helpers of the form ----------------------------------------------------------------


def test_similar_open_problems_are_suggested_while_typing(
    world: World, categories: None, make_problem: Callable[..., Problem], client: Client
) -> None:
    nearby = make_problem("dispatched", lat=31.6900, lng=113.3800)
    make_problem("closed", lat=31.6900, lng=113.3800)
    client.force_login(world.users["community"])
    response = client.get(
        reverse("problems:similar"),
        {
            "category": "piled_debris",
            "community": world.community_a1.code,
            "description": "楼下堆满杂物",
            "lat": "31.6901",
            "lng": "113.3801",
        },
    )
    text = response.content.decode()
    assert "Possible duplicates:" in text
    assert nearby.number in text
    assert text.count("<li>") == 1
    assert "<html" not in text  # a fragment for htmx


def test_no_suggestions_without_a_category_or_a_place(
    world: World, categories: None, make_problem: Callable[..., Problem], client: Client
) -> None:
    make_problem("dispatched")
    client.force_login(world.users["community"])
    url = reverse("problems:similar")
    assert client.get(url, {"description": "楼下堆满杂物"}).content.decode().strip() == ""
    assert (
        client.get(url, {"category": "piled_debris", "lat": "north"}).content.decode().strip() == ""
    )


def test_a_failed_report_still_shows_the_duplicates(
    world: World, categories: None, make_problem: Callable[..., Problem], client: Client
) -> None:
    existing = make_problem("accepted")
    client.force_login(world.users["community"])
    response = client.post(
        CREATE,
        report(
            category="piled_debris",
            community=world.community_a1.code,
            description="楼下堆满杂物",
            reporter_phone="x",
        ),
    )
    assert response.status_code == 400
    assert existing.number in response.content.decode()


def test_compound_options_follow_the_chosen_community_within_the_scope(
    world: World, client: Client
) -> None:
    CompoundFactory(community=world.community_a1, name="幸福小区")
    CompoundFactory(community=world.community_b1, name="外区小区")
    client.force_login(world.users["community"])
    url = reverse("problems:compound_options")
    assert "幸福小区" in client.get(url, {"community": world.community_a1.code}).content.decode()
    outside = client.get(url, {"community": world.community_b1.code}).content.decode()
    assert "外区小区" not in outside
