"""Open311 media_url: the absolute address of the first photo's public copy.

The photo route (``problems:photo``) belongs to the staff pages; this module
stands one in with the same name and arguments, so the test does not depend
on those pages being present.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path

from gongzhi.problems import services
from gongzhi.problems.models import ProblemPhoto
from tests.core.photo_samples import camera_jpeg
from tests.factories import World
from tests.problems.open311_support import body, url


def _photo(request: HttpRequest, pk: int, kind: str) -> HttpResponse:  # pragma: no cover
    return HttpResponse()


urlpatterns = [
    path("open311/v2/", include("gongzhi.problems.open311_urls")),
    path(
        "problems/",
        include(([path("photos/<int:pk>/<str:kind>/", _photo, name="photo")], "problems")),
    ),
]

pytestmark = pytest.mark.urls(__name__)


def _report(world: World, **kw: Any) -> Any:
    return services.problem_report(
        user=None,
        category_code="piled_debris",
        source="resident_report",
        description="楼道堆满杂物",
        community_code=world.community_a1.code,
        **kw,
    )


def test_media_url_is_the_first_public_photo(
    world: World, categories: None, client: Client
) -> None:
    problem = _report(
        world,
        photos=[
            SimpleUploadedFile("a.jpg", camera_jpeg()),
            SimpleUploadedFile("b.jpg", camera_jpeg()),
        ],
    )
    first = ProblemPhoto.objects.filter(problem=problem).order_by("id").first()
    assert first is not None
    expected = f"http://testserver/problems/photos/{first.pk}/public/"
    [data] = body(client.get(url("request", number=problem.number)))
    assert data["media_url"] == expected
    root = body(client.get(url("request", "xml", number=problem.number)))
    assert root.findtext("request/media_url") == expected


def test_a_photo_waiting_to_be_attached_is_not_shown(
    world: World, categories: None, client: Client
) -> None:
    problem = _report(world)
    services.problem_photo_upload(
        user=world.users["office"], problem_number=problem.number, photo=camera_jpeg()
    )
    [data] = body(client.get(url("request", number=problem.number)))
    assert data["media_url"] is None
