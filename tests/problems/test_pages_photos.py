"""Serving a problem's photos: who gets the public copies and who the EXIF originals."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from gongzhi.problems import services
from gongzhi.problems.models import Problem, ProblemPhoto
from tests.core.photo_samples import camera_jpeg
from tests.factories import World

ORIGINAL = camera_jpeg()


@pytest.fixture
def stored(world: World, categories: None) -> ProblemPhoto:
    problem = services.problem_report(
        user=world.users["community"],
        category_code="garbage_dead_corner",
        source="community_patrol",
        description="墙角垃圾",
        community_code=world.community_a1.code,
        photos=[ORIGINAL],
    )
    return ProblemPhoto.objects.get(problem=problem)


def url(photo: ProblemPhoto, kind: str) -> str:
    return reverse("problems:photo", kwargs={"pk": photo.pk, "kind": kind})


def body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_anyone_gets_the_thumbnail_of_a_public_problem_without_metadata(
    stored: ProblemPhoto, client: Client
) -> None:
    response = client.get(url(stored, "thumb"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    public = client.get(url(stored, "public"))
    assert public.status_code == 200
    image = Image.open(io.BytesIO(body(public)))
    assert not image.getexif()


def test_a_photo_of_a_problem_not_public_is_only_for_those_who_see_the_problem(
    world: World, stored: ProblemPhoto, client: Client
) -> None:
    Problem.objects.filter(pk=stored.problem_id).update(is_public=False)
    assert client.get(url(stored, "thumb")).status_code == 404
    client.force_login(world.users["member"])
    assert client.get(url(stored, "public")).status_code == 404
    client.force_login(world.users["street"])
    assert client.get(url(stored, "thumb")).status_code == 200


def test_the_original_is_for_the_area_staff_not_the_unit_liaison(
    world: World, stored: ProblemPhoto, client: Client
) -> None:
    services.problem_transition(
        user=world.users["community"],
        problem_number=stored.problem.number,
        action="accept",
        expected_version=1,
    )
    services.problem_transition(
        user=world.users["community"],
        problem_number=stored.problem.number,
        action="dispatch",
        expected_version=2,
        unit_codes=[world.unit_a.code],
    )
    assert client.get(url(stored, "original")).status_code == 404
    client.force_login(world.users["unit"])
    assert client.get(url(stored, "thumb")).status_code == 200  # the problem is theirs
    assert client.get(url(stored, "original")).status_code == 404
    client.force_login(world.users["community"])
    response = client.get(url(stored, "original"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert body(response) == ORIGINAL  # EXIF and all


def test_an_unknown_photo_or_kind_is_404(
    world: World, stored: ProblemPhoto, client: Client
) -> None:
    client.force_login(world.users["office"])
    assert client.get(url(stored, "exif")).status_code == 404
    missing = reverse("problems:photo", kwargs={"pk": stored.pk + 1000, "kind": "thumb"})
    assert client.get(missing).status_code == 404


def test_a_photo_whose_file_is_gone_is_404(
    world: World, stored: ProblemPhoto, client: Client
) -> None:
    stored.thumb.storage.delete(stored.thumb.name)
    client.force_login(world.users["office"])
    assert client.get(url(stored, "thumb")).status_code == 404


def test_the_follow_token_opens_the_photos_of_a_problem_not_public(
    stored: ProblemPhoto, client: Client
) -> None:
    Problem.objects.filter(pk=stored.problem_id).update(is_public=False)
    token = Problem.objects.get(pk=stored.problem_id).follow_token
    assert client.get(url(stored, "thumb"), {"token": token}).status_code == 200
    assert client.get(url(stored, "thumb"), {"token": "guess"}).status_code == 404
    assert client.get(url(stored, "original"), {"token": token}).status_code == 404
