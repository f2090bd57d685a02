"""The public pages residents use without logging in: report, follow, rate."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from gongzhi.core.exif import exif_gps
from gongzhi.core.models import Role
from gongzhi.problems import services
from gongzhi.problems.models import (
    Problem,
    ProblemEvent,
    ProblemPhoto,
    ProblemSource,
    ProblemState,
)
from tests.core.photo_samples import camera_jpeg
from tests.factories import CommunityFactory, World, make_user
from tests.problems.test_report import hexagon

REPORT = "/report/"


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    """The hourly allowance lives in the cache, which outlives a test: start each one empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def east(world: World) -> Any:
    """A community of its own, away from the others, with a hexagonal outline."""
    return CommunityFactory(
        street=world.street_a,
        code="421303001009",
        name="东关社区",
        centre_lat=31.80,
        centre_lng=113.50,
        outline=hexagon(31.80, 113.50),
    )


def _form(**values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category_code": "piled_debris",
        "description": "楼道里堆满了旧家具",
        "community_code": "",
        "lat": "",
        "lng": "",
        "address": "",
        "reporter_name": "",
        "reporter_phone": "",
        "website": "",
    }
    data.update(values)
    return data


def _photo(name: str = "楼道.jpg", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content or camera_jpeg(), content_type="image/jpeg")


def _nothing_written() -> bool:
    return not (
        Problem.objects.exists() or ProblemEvent.objects.exists() or ProblemPhoto.objects.exists()
    )


def _field_errors(html: str, name: str) -> list[str]:
    pattern = rf'data-field-error="{re.escape(name)}">([^<]*)<'
    return re.findall(pattern, html)


def _token_of(response: Any) -> str:
    return parse_qs(urlparse(response["Location"]).query)["token"][0]


# --- the report page -------------------------------------------------------------------


def test_the_report_page_needs_no_login_and_offers_only_resident_categories(
    world: World, categories: None, client: Client
) -> None:
    response = client.get(REPORT)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert "垃圾死角" in html  # resident reportable
    assert '<optgroup label="Four clean-ups">' in html
    assert 'value="421303001001"' in html  # the community select
    assert 'name="website"' in html  # the honeypot
    assert "csrfmiddlewaretoken" in html
    assert "main-nav" not in html  # no staff menu for the public


def test_a_category_residents_may_not_report_is_not_offered(
    world: World, categories: None, client: Client
) -> None:
    from gongzhi.problems.models import Category

    hidden = Category.objects.filter(resident_reportable=False).first()
    assert hidden is not None
    html = client.get(REPORT).content.decode()
    assert f'value="{hidden.code}"' not in html
    response = client.post(REPORT, _form(category_code=hidden.code, community_code="421303001001"))
    assert response.status_code == 400
    assert _field_errors(response.content.decode(), "category_code")
    assert _nothing_written()


def test_a_report_with_a_photo_and_a_pin_lands_in_the_community_under_the_pin(
    world: World, categories: None, east: Any, client: Client
) -> None:
    response = client.post(
        REPORT,
        _form(lat="31.8021", lng="113.5012", reporter_phone="13800001111", photos=[_photo()]),
    )
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert problem.community == east
    assert problem.source == ProblemSource.RESIDENT_REPORT
    assert problem.state == ProblemState.REPORTED
    assert (problem.lat, problem.lng) == (31.8021, 113.5012)
    assert ProblemPhoto.objects.filter(problem=problem).count() == 1
    assert response["Location"].startswith(reverse("public:report_done", args=(problem.number,)))

    receipt = client.get(response["Location"])
    html = receipt.content.decode()
    assert receipt.status_code == 200
    assert problem.number in html
    assert f"/follow/{problem.number}/?token={problem.follow_token}" in html
    assert "Keep this link" in html
    assert "13800001111" not in html


def test_a_report_can_name_the_community_instead_of_a_pin(
    world: World, categories: None, client: Client
) -> None:
    response = client.post(
        REPORT,
        _form(community_code=world.community_b1.code, address="应山路12号", reporter_name="王五"),
    )
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert problem.community == world.community_b1
    assert (problem.address, problem.reporter_name) == ("应山路12号", "王五")
    assert problem.lat is None


def test_an_anonymous_report_keeps_neither_name_nor_phone(
    world: World, categories: None, client: Client
) -> None:
    client.post(
        REPORT,
        _form(
            community_code=world.community_a1.code,
            reporter_name="王五",
            reporter_phone="13800001111",
            anonymous="on",
        ),
    )
    problem = Problem.objects.get()
    assert problem.reporter_anonymous
    assert (problem.reporter_name, problem.reporter_phone) == ("", "")


def test_the_receipt_needs_the_token(world: World, categories: None, client: Client) -> None:
    response = client.post(REPORT, _form(community_code=world.community_a1.code))
    number = Problem.objects.get().number
    assert client.get(reverse("public:report_done", args=(number,))).status_code == 404
    wrong = reverse("public:report_done", args=(number,)) + "?token=guess"
    assert client.get(wrong).status_code == 404
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"category_code": "", "community_code": "421303001001"}, "category_code"),
        ({"category_code": "no_such_kind", "community_code": "421303001001"}, "category_code"),
        ({"lat": "30.0", "lng": "110.0"}, "community_code"),
        ({}, "community_code"),  # neither a pin nor a community
        ({"community_code": "421303001001", "reporter_phone": "call me"}, "reporter_phone"),
        ({"community_code": "421303001001", "description": "  "}, "description"),
        ({"community_code": "999999999999"}, "community_code"),
        ({"lat": "north", "lng": "113.5"}, "lat"),
    ],
    ids=[
        "no category",
        "unknown category",
        "point in no community",
        "no place",
        "bad phone",
        "no description",
        "unknown community",
        "latitude not a number",
    ],
)
def test_a_refused_report_names_the_field_and_writes_nothing(
    world: World, categories: None, client: Client, values: dict[str, str], field: str
) -> None:
    response = client.post(REPORT, _form(**values))
    html = response.content.decode()
    assert response.status_code == 400
    assert _field_errors(html, field), html
    assert "The report was not sent" in html
    assert _nothing_written()


def test_a_non_image_photo_is_refused_by_name_and_nothing_is_written(
    world: World, categories: None, client: Client
) -> None:
    notes = SimpleUploadedFile("notes.txt", b"not a picture", content_type="image/jpeg")
    response = client.post(
        REPORT,
        _form(community_code=world.community_a1.code, photos=[_photo(), notes]),
    )
    html = response.content.decode()
    assert response.status_code == 400
    errors = _field_errors(html, "photos")
    assert errors and errors[0].startswith("notes.txt: ")
    assert "choose the photos again" in html
    assert _nothing_written()


def test_what_was_typed_comes_back_with_the_errors(
    world: World, categories: None, east: Any, client: Client
) -> None:
    response = client.post(
        REPORT,
        _form(lat="31.8021", lng="113.5012", description="门口的小广告", reporter_phone="x"),
    )
    html = response.content.decode()
    assert "门口的小广告" in html
    assert 'name="lat" value="31.8021"' in html


def test_a_filled_honeypot_writes_nothing_and_is_cleared_for_a_person_to_resend(
    world: World, categories: None, client: Client
) -> None:
    response = client.post(
        REPORT, _form(community_code=world.community_a1.code, website="http://spam.example")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "hidden field" in _field_errors(html, "__all__")[0]
    assert "spam.example" not in html
    assert _nothing_written()


def test_reports_from_one_address_are_limited_per_hour(
    world: World, categories: None, client: Client, settings: Any
) -> None:
    settings.PUBLIC_REPORT_PER_HOUR = 2
    data = _form(community_code=world.community_a1.code)
    # A refused report does not use up the allowance.
    assert client.post(REPORT, _form(community_code="")).status_code == 400
    assert client.post(REPORT, data).status_code == 302
    assert client.post(REPORT, data).status_code == 302
    third = client.post(REPORT, _form(community_code=world.community_a1.code, description="第三次"))
    html = third.content.decode()
    assert third.status_code == 429
    assert int(third["Retry-After"]) > 0
    assert 'data-testid="throttled"' in html
    assert "第三次" in html  # what was typed is kept
    assert Problem.objects.count() == 2
    # Another address still may report.
    other = client.post(REPORT, data, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302
    assert Problem.objects.count() == 3


def test_the_throttle_defaults_to_ten_reports_an_hour(
    world: World, categories: None, client: Client, settings: Any
) -> None:
    del settings.PUBLIC_REPORT_PER_HOUR
    data = _form(community_code=world.community_a1.code)
    statuses = [client.post(REPORT, data).status_code for _ in range(11)]
    assert statuses == [302] * 10 + [429]


def test_community_outlines_around_the_view_are_served_as_geojson(
    world: World, east: Any, client: Client
) -> None:
    near = client.get(reverse("public:outlines"), {"bbox": "113.45,31.75,113.55,31.85"}).json()
    assert [f["properties"]["code"] for f in near["features"]] == [east.code]
    assert near["features"][0]["geometry"]["type"] == "Polygon"
    wide = client.get(reverse("public:outlines"), {"bbox": "110,30,116,34"}).json()
    assert wide == {"type": "FeatureCollection", "features": [], "too_wide": True}
    for bad in ("x", "1,2,3", "nan,31,113,32", ""):
        assert client.get(reverse("public:outlines"), {"bbox": bad}).status_code == 400
    assert client.get(reverse("public:outlines")).status_code == 400


def test_the_report_page_reads_the_communities_in_a_fixed_number_of_queries(
    world: World, categories: None, client: Client, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        CommunityFactory(street=world.street_b, code=f"421381001{100 + n}")
    with django_assert_max_num_queries(6):
        response = client.get(REPORT)
    assert response.content.decode().count('<option value="4213') == 34


# --- following -------------------------------------------------------------------------


@pytest.fixture
def staff(world: World) -> dict[str, Any]:
    """Staff with names that must never reach the public pages."""
    return {
        "community": make_user("zhou_cadre_8812", Role.COMMUNITY, community=world.community_a1),
        "unit": make_user("wu_liaison_5531", Role.UNIT, unit=world.unit_a),
    }


def _act(problem: Problem, user: Any, action: str, **kw: Any) -> Problem:
    return services.problem_transition(
        user=user,
        problem_number=problem.number,
        action=action,
        expected_version=problem.version,
        **kw,
    )


@pytest.fixture
def closed_report(world: World, categories: None, staff: dict[str, Any]) -> Callable[..., Problem]:
    """A resident's report taken through the whole loop to closed, by the services."""

    def make(**kw: Any) -> Problem:
        problem = services.problem_report(
            user=None,
            category_code="piled_debris",
            source="resident_report",
            description="楼道里堆满了旧家具",
            community_code=world.community_a1.code,
            reporter_name="王五",
            reporter_phone="13800001111",
            photos=[_photo()],
            **kw,
        )
        problem = _act(problem, staff["community"], "accept")
        problem = _act(problem, staff["community"], "dispatch", unit_codes=[world.unit_a.code])
        problem = _act(
            problem, staff["unit"], "handle", note="已清运旧家具三车", photos=[_photo("after.jpg")]
        )
        return _act(problem, staff["community"], "verify_pass")

    return make


def test_the_follow_page_shows_progress_without_anything_private(
    world: World, closed_report: Callable[..., Problem], client: Client
) -> None:
    problem = closed_report()
    response = client.get(reverse("public:follow", args=(problem.number,)))
    html = response.content.decode()
    assert response.status_code == 200
    assert problem.number in html and "乱堆乱放杂物" in html and "白云社区" in html
    assert "Fixed and checked; closed" in html
    assert "已清运旧家具三车" in html  # the handling note
    assert world.unit_a.name in html  # who it was dispatched to
    for private in ("王五", "13800001111", "1380", "zhou_cadre_8812", "wu_liaison_5531"):
        assert private not in html
    assert "rating-form" not in html  # no token, no rating


def test_the_follow_page_links_only_the_clean_copies_of_photos(
    world: World, closed_report: Callable[..., Problem], client: Client
) -> None:
    problem = closed_report()
    html = client.get(reverse("public:follow", args=(problem.number,))).content.decode()
    photos = list(ProblemPhoto.objects.filter(problem=problem))
    assert len(photos) == 2  # the resident's and the evidence of the fix
    for photo in photos:
        assert reverse("problems:photo", args=(photo.pk, "public")) in html
        assert reverse("problems:photo", args=(photo.pk, "thumb")) in html
        assert reverse("problems:photo", args=(photo.pk, "original")) not in html
        assert photo.original.name not in html
    served = client.get(reverse("problems:photo", args=(photos[0].pk, "public")))
    assert served.status_code == 200
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert exif_gps(image.getexif()) == (None, None)


def test_a_problem_that_is_not_public_needs_the_token(
    world: World, categories: None, client: Client
) -> None:
    problem = services.problem_report(
        user=None,
        category_code="piled_debris",
        source="resident_report",
        description="楼道里堆满了旧家具",
        community_code=world.community_a1.code,
        is_public=False,
    )
    url = reverse("public:follow", args=(problem.number,))
    assert client.get(url).status_code == 404
    assert client.get(url, {"token": "not-the-token"}).status_code == 404
    response = client.get(url, {"token": problem.follow_token})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "楼道里堆满了旧家具" in response.content.decode()  # the reporter's own words


def test_the_reporter_sees_the_photos_of_a_problem_that_is_not_public(
    world: World, closed_report: Callable[..., Problem], client: Client
) -> None:
    problem = closed_report(is_public=False)
    url = reverse("public:follow", args=(problem.number,))
    html = client.get(url, {"token": problem.follow_token}).content.decode()
    photo = ProblemPhoto.objects.filter(problem=problem).first()
    assert photo is not None
    link = reverse("problems:photo", args=(photo.pk, "thumb"))
    assert f"{link}?token={problem.follow_token}" in html
    assert client.get(link, {"token": problem.follow_token}).status_code == 200
    assert client.get(link).status_code == 404


def test_an_unknown_number_is_404(world: World, client: Client) -> None:
    assert client.get(reverse("public:follow", args=("2026-999999",))).status_code == 404


def test_the_lookup_form_goes_to_a_public_report_and_explains_a_miss(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    public = make_problem(ProblemState.DISPATCHED)
    hidden = make_problem(ProblemState.DISPATCHED, is_public=False)
    lookup = reverse("public:follow_lookup")
    assert client.get(lookup).status_code == 200
    found = client.get(lookup, {"number": f" {public.number.replace('-', '－')} "})
    assert found.status_code == 302
    assert found["Location"] == reverse("public:follow", args=(public.number,))
    for number in (hidden.number, "2026-999999", ""):
        missed = client.get(lookup, {"number": number})
        assert missed.status_code == 400
        assert _field_errors(missed.content.decode(), "number")


def test_a_duplicate_shows_the_progress_of_its_original(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    original = make_problem(ProblemState.DISPATCHED, deadline=dt.date(2026, 10, 9))
    ProblemEvent.objects.create(
        problem=original,
        action="dispatch",
        from_state="accepted",
        to_state="dispatched",
        data={"unit_codes": [world.unit_a.code], "deadline": "2026-10-09"},
    )
    duplicate = make_problem(
        ProblemState.DUPLICATE, duplicate_of=original, deadline=None, follow_token="tok-dup"
    )
    response = client.get(reverse("public:follow", args=(duplicate.number,)))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="duplicate-note"' in html
    assert original.number in html
    assert "Assigned; waiting to be fixed" in html  # the original's state, not "duplicate"
    assert world.unit_a.name in html and "2026-10-09" in html
    assert reverse("public:follow", args=(original.number,)) in html


def test_the_follow_page_reads_a_long_history_in_a_fixed_number_of_queries(
    world: World,
    closed_report: Callable[..., Problem],
    client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    problem = closed_report()
    url = reverse("public:follow", args=(problem.number,))
    with django_assert_max_num_queries(8) as short:
        client.get(url)
    for n in range(20):
        ProblemEvent.objects.create(
            problem=problem,
            action="dispatch",
            from_state="accepted",
            to_state="dispatched",
            data={
                "unit_codes": [world.unit_a.code, world.unit_b.code],
                "deadline": f"2026-11-{n + 1:02d}",
            },
        )
    with django_assert_max_num_queries(len(short.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count(world.unit_b.name) == 20


# --- rating ----------------------------------------------------------------------------


def _rate(client: Client, problem: Problem, **values: Any) -> Any:
    data = {
        "token": problem.follow_token,
        "version": problem.version,
        "rating": "satisfied",
        "comment": "",
    }
    data.update(values)
    return client.post(reverse("public:rate", args=(problem.number,)), data)


def test_the_reporter_rates_a_closed_problem_once_with_the_token(
    world: World, closed_report: Callable[..., Problem], client: Client
) -> None:
    problem = closed_report()
    url = reverse("public:follow", args=(problem.number,))
    assert (
        'data-testid="rating-form"'
        in client.get(url, {"token": problem.follow_token}).content.decode()
    )

    response = _rate(client, problem, rating="basically_satisfied", comment="还行")
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.satisfaction == "basically_satisfied"
    assert problem.state == ProblemState.CLOSED
    assert ProblemEvent.objects.filter(problem=problem, action="rate", note="还行").exists()

    after = client.get(response["Location"]).content.decode()
    assert "Thank you for your rating." in after
    assert 'data-testid="rating-form"' not in after
    assert "Basically satisfied" in after

    again = _rate(client, problem, rating="dissatisfied")
    assert again.status_code == 400
    assert "already been rated" in again.content.decode()
    problem.refresh_from_db()
    assert problem.satisfaction == "basically_satisfied"


def test_rating_needs_the_right_token(
    world: World, closed_report: Callable[..., Problem], client: Client
) -> None:
    problem = closed_report()
    assert _rate(client, problem, token="guess").status_code == 404
    assert _rate(client, problem, token="").status_code == 404
    assert client.get(reverse("public:rate", args=(problem.number,))).status_code == 405
    problem.refresh_from_db()
    assert problem.satisfaction == ""


def test_a_problem_that_is_not_closed_cannot_be_rated(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem(ProblemState.HANDLED, follow_token="tok-handled")
    page = client.get(reverse("public:follow", args=(problem.number,)), {"token": "tok-handled"})
    assert 'data-testid="rating-form"' not in page.content.decode()
    response = _rate(client, problem)
    assert response.status_code == 400
    problem.refresh_from_db()
    assert problem.satisfaction == ""
    assert not ProblemEvent.objects.filter(problem=problem, action="rate").exists()


def test_a_rating_without_a_choice_names_the_field(
    world: World, closed_report: Callable[..., Problem], client: Client
) -> None:
    problem = closed_report()
    response = _rate(client, problem, rating="")
    assert response.status_code == 400
    assert _field_errors(response.content.decode(), "rating")
    problem.refresh_from_db()
    assert problem.satisfaction == ""


def test_dissatisfied_reopens_the_problem_and_the_page_says_so(
    world: World, closed_report: Callable[..., Problem], client: Client
) -> None:
    problem = closed_report()
    response = _rate(client, problem, rating="dissatisfied", comment="还有一些没清")
    problem.refresh_from_db()
    assert problem.state == ProblemState.DISPATCHED
    assert problem.reopened_by_rating
    html = client.get(response["Location"]).content.decode()
    assert "reopened" in html
    assert 'data-testid="reopened-note"' in html
    # Anyone following the public report sees it too, without the token.
    public = client.get(reverse("public:follow", args=(problem.number,))).content.decode()
    assert 'data-testid="reopened-note"' in public
    assert "being fixed again" in public


def test_a_rating_on_a_stale_page_is_refused_kindly_and_writes_nothing(
    world: World, closed_report: Callable[..., Problem], client: Client
) -> None:
    problem = closed_report()
    stale = problem.version - 1
    response = _rate(client, problem, version=stale, comment="很好")
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed while you were rating" in html
    assert "很好" in html  # the comment is kept in the form
    problem.refresh_from_db()
    assert problem.satisfaction == ""

    broken = _rate(client, problem, version="not a number")
    assert broken.status_code == 400
    assert "out of date" in broken.content.decode()
    problem.refresh_from_db()
    assert problem.satisfaction == ""


# --- Chinese ---------------------------------------------------------------------------


def test_the_pages_render_in_chinese(
    world: World, closed_report: Callable[..., Problem], client: Client, chinese: None
) -> None:
    problem = closed_report()
    report = client.get(REPORT)
    assert report.status_code == 200
    assert 'lang="zh-CN"' in report.content.decode()
    refused = client.post(REPORT, _form(community_code=world.community_a1.code, reporter_phone="x"))
    assert "请输入由数字组成的电话号码" in refused.content.decode()
    follow = client.get(
        reverse("public:follow", args=(problem.number,)), {"token": problem.follow_token}
    )
    assert follow.status_code == 200
    assert "满意" in follow.content.decode()  # the rating choices
    assert client.get(reverse("public:follow_lookup")).status_code == 200


def test_internal_steps_stay_internal_and_a_refusal_gives_its_reason(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    working = make_problem(ProblemState.DISPATCHED)
    for action, note in (
        ("request_extension", "单位人手不足，申请延期"),
        ("reject_extension", "不同意延期"),
        ("escalate", "催办通知"),
    ):
        ProblemEvent.objects.create(
            problem=working,
            action=action,
            from_state="dispatched",
            to_state="dispatched",
            note=note,
        )
    html = client.get(reverse("public:follow", args=(working.number,))).content.decode()
    for note in ("单位人手不足", "不同意延期", "催办通知"):
        assert note not in html

    refused = make_problem(ProblemState.REJECTED, deadline=None)
    ProblemEvent.objects.create(
        problem=refused,
        action="reject",
        from_state="reported",
        to_state="rejected",
        note="不属于本社区",
    )
    html = client.get(reverse("public:follow", args=(refused.number,))).content.decode()
    assert "Not accepted" in html and "不属于本社区" in html
