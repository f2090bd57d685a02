"""Photos of problems: stored with the report or the action, checked before anything is written."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gongzhi.core.exif import exif_gps
from gongzhi.problems import services
from gongzhi.problems.models import Problem, ProblemEvent, ProblemPhoto, ProblemState
from tests.core.photo_samples import camera_jpeg, truncated
from tests.factories import World

pytestmark = pytest.mark.django_db


def _report(world: World, **kw: object) -> Problem:
    return services.problem_report(
        user=None,
        category_code="piled_debris",
        source="resident_report",
        description="楼道堆满杂物",
        community_code=world.community_a1.code,
        **kw,  # type: ignore[arg-type]
    )


def test_a_reported_photo_keeps_its_exif_for_staff_and_serves_a_clean_copy(
    world: World, categories: None
) -> None:
    upload = SimpleUploadedFile("楼道.jpg", camera_jpeg(), content_type="image/jpeg")
    problem = _report(world, photos=[upload])
    photo = ProblemPhoto.objects.get(problem=problem)
    event = ProblemEvent.objects.get(problem=problem)
    assert photo.event == event and event.data["photos"] == [photo.pk]
    assert photo.latitude is not None and photo.taken_at is not None
    with photo.original.open("rb") as f:
        assert exif_gps(Image.open(f).getexif()) is not None
    for copy in (photo.public, photo.thumb):
        with copy.open("rb") as f:
            image = Image.open(f)
            assert not image.getexif() and "exif" not in image.info


def test_a_bad_file_among_photos_names_the_file_and_writes_nothing(
    world: World, categories: None
) -> None:
    good = SimpleUploadedFile("good.jpg", camera_jpeg())
    bad = SimpleUploadedFile("notes.txt", b"just some text, not an image")
    cut = SimpleUploadedFile("cut.jpg", truncated(camera_jpeg()))
    with pytest.raises(ValidationError) as refused:
        _report(world, photos=[good, bad, cut])
    messages = refused.value.message_dict["photos"]
    assert any(m.startswith("notes.txt: ") for m in messages)
    assert any(m.startswith("cut.jpg: ") for m in messages)
    assert not Problem.objects.exists() and not ProblemPhoto.objects.exists()


def test_more_than_nine_photos_are_refused(world: World, categories: None) -> None:
    with pytest.raises(ValidationError, match="at most 9"):
        _report(world, photos=[camera_jpeg()] * 10)


def test_a_photo_uploaded_ahead_is_attached_by_id_only_by_its_uploader(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    problem = make_problem(ProblemState.IN_PROGRESS)
    photo = services.problem_photo_upload(
        user=world.users["unit"], problem_number=problem.number, photo=camera_jpeg()
    )
    assert photo.event is None
    with pytest.raises(ValidationError) as refused:
        services.problem_transition(
            user=world.users["community"],
            problem_number=problem.number,
            action="handle",
            expected_version=problem.version,
            note="已清理",
            photo_ids=[photo.pk],
        )
    assert "photo_ids" in refused.value.message_dict
    handled = services.problem_transition(
        user=world.users["unit"],
        problem_number=problem.number,
        action="handle",
        expected_version=problem.version,
        note="已清理",
        photo_ids=[photo.pk],
    )
    assert handled.state == ProblemState.HANDLED
    photo.refresh_from_db()
    assert photo.event is not None and photo.event.action == "handle"
