"""The office's evidence flags page and the review of a flag."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, include, path, reverse

from gongzhi import urls as project_urls
from gongzhi.activities import urls as activities_urls
from gongzhi.activities.models import (
    ActivityPhoto,
    Attendance,
    Contribution,
    EvidenceFlag,
    FlagKind,
)
from gongzhi.activities.services_evidence import evidence_flag_review
from gongzhi.campaigns.models import Session
from tests.factories import World

SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/sessions/flags/"
_serial = itertools.count(1)


@pytest.fixture
def session(make_session: Callable[..., Session]) -> Session:
    return make_session(dt.date(2021, 9, 10))


def bare_photo(
    row: Attendance | Contribution, *, taken_at: dt.datetime | None = None
) -> ActivityPhoto:
    """A photo row without files: the flags page only reads its row."""
    n = next(_serial)
    is_receipt = isinstance(row, Contribution)
    return ActivityPhoto.objects.create(
        kind="receipt" if is_receipt else "before",
        attendance=None if is_receipt else row,
        contribution=row if is_receipt else None,
        session=None if is_receipt else row.session,
        unit=row.unit,
        community=row.community,
        original=f"activities/originals/{n}.jpg",
        public=f"activities/public/{n}.jpg",
        thumb=f"activities/thumbs/{n}.jpg",
        format="JPEG",
        width=800,
        height=600,
        size_bytes=1000,
        sha256=f"{n:064x}",
        phash=f"{n:016x}",
        taken_at=taken_at,
    )


@pytest.fixture
def rows(world: World, session: Session, make_session: Callable[..., Session]) -> dict[str, Any]:
    later = make_session(dt.date(2021, 9, 24))
    first = Attendance.objects.create(
        session=session, unit=world.unit_a, community=world.community_a1, headcount=5
    )
    second = Attendance.objects.create(
        session=later, unit=world.unit_free, community=world.community_a2, headcount=3
    )
    return {"first": first, "second": second}


@pytest.fixture
def make_flag(rows: dict[str, Any]) -> Callable[..., EvidenceFlag]:
    def make(kind: str = FlagKind.REUSED, **fields: Any) -> EvidenceFlag:
        if kind == FlagKind.REUSED:
            earlier = bare_photo(
                rows["first"], taken_at=dt.datetime(2021, 9, 10, 15, 4, tzinfo=SHANGHAI)
            )
            photo = bare_photo(
                rows["second"], taken_at=dt.datetime(2021, 9, 24, 15, 30, tzinfo=SHANGHAI)
            )
            return EvidenceFlag.objects.create(
                photo=photo, other=earlier, kind=kind, distance=fields.pop("distance", 3), **fields
            )
        photo = bare_photo(rows["first"], taken_at=dt.datetime(2021, 9, 1, 9, 15, tzinfo=SHANGHAI))
        return EvidenceFlag.objects.create(
            photo=photo, kind=kind, distance=fields.pop("distance", 9), **fields
        )

    return make


def office_client(world: World) -> Client:
    client = Client()
    client.force_login(world.users["office"])
    return client


def flag_ids(response: HttpResponse) -> list[int]:
    html = response.content.decode()
    return [int(part.split('"', 1)[0]) for part in html.split('data-flag="')[1:]]


# --- who sees the page ------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(db: None) -> None:
    response = Client().get(URL)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize(
    "role", ["leader", "district", "street", "community", "unit", "inspector", "member", "nobody"]
)
def test_only_the_city_office_sees_the_flags(
    world: World, make_flag: Callable[..., EvidenceFlag], role: str
) -> None:
    make_flag()
    client = Client()
    client.force_login(world.users[role])

    response = client.get(URL)

    assert response.status_code == 403
    assert b"data-flag=" not in response.content


# --- what the office sees ---------------------------------------------------------------


def test_the_office_sees_a_reused_photo_next_to_the_earlier_one(
    world: World, make_flag: Callable[..., EvidenceFlag]
) -> None:
    flag = make_flag(distance=4)

    response = office_client(world).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert flag_ids(response) == [flag.pk]
    assert 'data-distance="4"' in html and "4 bits apart" in html
    assert f'data-photo="{flag.photo_id}"' in html and f'data-photo="{flag.other_id}"' in html
    # Both sides: session date, unit, community and EXIF time of each photo.
    for text in ("2021-09-24", "2021-09-10", "市市场监管局", "市统计局", "白云社区", "青云社区"):
        assert text in html
    assert "2021-09-24 15:30" in html and "2021-09-10 15:04" in html


def test_a_time_flag_shows_the_session_date_and_the_exif_time(
    world: World, make_flag: Callable[..., EvidenceFlag]
) -> None:
    flag = make_flag(FlagKind.TIME_FAR)

    html = office_client(world).get(URL).content.decode()

    assert f'data-flag="{flag.pk}"' in html
    assert "9 days from the session" in html
    assert "2021-09-10" in html and "2021-09-01 09:15" in html
    assert 'data-testid="other"' not in html


def test_a_reused_receipt_shows_the_dates_of_both_contributions(world: World) -> None:
    first, second = (
        Contribution.objects.create(
            unit=world.unit_a, community=world.community_a1, date=day, amount_fen=8_000_000
        )
        for day in (dt.date(2021, 9, 3), dt.date(2021, 9, 17))
    )
    flag = EvidenceFlag.objects.create(
        photo=bare_photo(second), other=bare_photo(first), kind=FlagKind.REUSED, distance=0
    )

    html = office_client(world).get(URL).content.decode()

    assert f'data-flag="{flag.pk}"' in html
    assert '<span data-testid="contribution-date">2021-09-17</span>' in html
    assert '<span data-testid="contribution-date">2021-09-03</span>' in html


def test_reviewed_flags_leave_the_open_list_and_show_under_reviewed(
    world: World, make_flag: Callable[..., EvidenceFlag]
) -> None:
    open_flag = make_flag()
    reviewed = make_flag(
        reviewed_by=world.users["office"],
        reviewed_at=dt.datetime(2021, 10, 1, 9, 0, tzinfo=SHANGHAI),
        review_note="同一现场，不同角度",
    )
    client = office_client(world)

    assert flag_ids(client.get(URL)) == [open_flag.pk]
    response = client.get(URL, {"status": "reviewed"})
    assert flag_ids(response) == [reviewed.pk]
    assert "同一现场，不同角度" in response.content.decode()
    assert 'data-testid="review-form"' not in response.content.decode()


def test_flags_filter_by_kind(world: World, make_flag: Callable[..., EvidenceFlag]) -> None:
    reused = make_flag()
    far = make_flag(FlagKind.TIME_FAR)
    client = office_client(world)

    assert flag_ids(client.get(URL, {"kind": "time_far"})) == [far.pk]
    assert flag_ids(client.get(URL, {"kind": "reused"})) == [reused.pk]
    assert flag_ids(client.get(URL)) == [far.pk, reused.pk]


def test_an_unknown_filter_is_refused_naming_the_field(world: World) -> None:
    response = office_client(world).get(URL, {"kind": "stolen", "status": "closed"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field-error="kind"' in html
    assert "Kind:" in html and "Status:" in html


def test_pages_go_newest_first_without_repeats(
    world: World, make_flag: Callable[..., EvidenceFlag], settings: Any
) -> None:
    settings.PAGE_SIZE = 2
    made = [make_flag() for _ in range(5)]
    # Two flags raised at the same moment still page apart (the id breaks the tie).
    EvidenceFlag.objects.filter(pk__in=[made[1].pk, made[2].pk]).update(
        created_at=made[1].created_at
    )
    client = office_client(world)
    seen: list[int] = []
    response = client.get(URL)
    pages = 0
    while True:
        pages += 1
        seen += flag_ids(response)
        next_url = response.context["next_url"]
        if not next_url:
            break
        response = client.get(URL + next_url)

    assert pages == 3
    assert seen == [f.pk for f in reversed(made)]


def test_a_bad_cursor_shows_the_first_page(
    world: World, make_flag: Callable[..., EvidenceFlag]
) -> None:
    flag = make_flag()
    client = office_client(world)

    for cursor in ("%%%", "bm90IGEgY3Vyc29y", "MjAyMS0xMy0wMXw1"):
        response = client.get(URL, {"cursor": cursor})
        assert response.status_code == 200
        assert flag_ids(response) == [flag.pk]


def test_the_list_costs_the_same_queries_however_many_rows(
    world: World, make_flag: Callable[..., EvidenceFlag], django_assert_max_num_queries: Any
) -> None:
    client = office_client(world)
    make_flag()
    make_flag(FlagKind.TIME_FAR)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(6):
        make_flag()
        make_flag(FlagKind.TIME_FAR)
        receipt = Contribution.objects.create(
            unit=world.unit_a,
            community=world.community_a1,
            date=dt.date(2021, 9, 1 + n),
            amount_fen=100,
        )
        EvidenceFlag.objects.create(
            photo=bare_photo(receipt), kind=FlagKind.REUSED, distance=1, other=bare_photo(receipt)
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)

    assert len(flag_ids(response)) == 20


def test_the_page_works_in_chinese(
    world: World, make_flag: Callable[..., EvidenceFlag], chinese: None
) -> None:
    make_flag()
    response = office_client(world).get(URL)

    assert response.status_code == 200
    assert b'lang="zh-CN"' in response.content


# --- thumbnails ---------------------------------------------------------------------------


def _fake_photo_view(request: Any, pk: int, kind: str) -> HttpResponse:
    return HttpResponse(b"")


def _urlconf(*, with_photo_view: bool) -> Any:
    """The project's routes, with the sessions routes with or without ``activities:photo``."""
    own = [p for p in activities_urls.urlpatterns if getattr(p, "name", None) != "photo"]
    if with_photo_view:
        own.append(path("photos/<int:pk>/<str:kind>/", _fake_photo_view, name="photo"))
    patterns = [
        path("sessions/", include((own, "activities")))
        if isinstance(p, URLResolver) and p.app_name == "activities"
        else p
        for p in project_urls.urlpatterns
    ]
    return type("URLConf", (), {"urlpatterns": patterns})


def test_thumbnails_come_from_the_photo_view(
    world: World, make_flag: Callable[..., EvidenceFlag], settings: Any
) -> None:
    settings.ROOT_URLCONF = _urlconf(with_photo_view=True)
    flag = make_flag()

    html = office_client(world).get(URL).content.decode()

    for pk in (flag.photo_id, flag.other_id):
        assert f'src="/sessions/photos/{pk}/thumb/"' in html
        assert f'href="/sessions/photos/{pk}/original/"' in html


def test_without_the_photo_view_the_page_still_shows_the_flags(
    world: World, make_flag: Callable[..., EvidenceFlag], settings: Any
) -> None:
    settings.ROOT_URLCONF = _urlconf(with_photo_view=False)
    flag = make_flag()

    response = office_client(world).get(URL)

    assert response.status_code == 200
    assert flag_ids(response) == [flag.pk]
    assert "<img" not in response.content.decode()


# --- reviewing --------------------------------------------------------------------------


def review_url(flag: EvidenceFlag | int) -> str:
    return reverse("activities:flag_review", args=[getattr(flag, "pk", flag)])


def test_the_office_marks_a_flag_reviewed_with_a_note(
    world: World, make_flag: Callable[..., EvidenceFlag]
) -> None:
    flag = make_flag()
    client = office_client(world)

    response = client.post(
        review_url(flag),
        {"note": "  同一小区两次活动，确属重复使用  ", "next": URL + "?kind=reused"},
    )

    assert response.status_code == 302
    assert response["Location"] == URL + "?kind=reused"
    flag.refresh_from_db()
    assert flag.reviewed_by == world.users["office"]
    assert flag.reviewed_at is not None
    assert flag.review_note == "同一小区两次活动，确属重复使用"
    page = client.get(response["Location"])
    assert flag_ids(page) == []
    assert f"Flag {flag.pk} is marked reviewed." in page.content.decode()


def test_a_review_without_a_note_is_refused_naming_the_field(
    world: World, make_flag: Callable[..., EvidenceFlag]
) -> None:
    flag = make_flag()
    client = office_client(world)

    response = client.post(review_url(flag), {"note": "   ", "next": URL}, follow=True)

    html = response.content.decode()
    assert f"Flag {flag.pk} — Review note: Write what the review found." in html
    flag.refresh_from_db()
    assert flag.reviewed_at is None and flag.review_note == ""
    assert flag_ids(response) == [flag.pk]


@pytest.mark.parametrize("role", ["leader", "district", "community", "unit"])
def test_only_the_office_may_review(
    world: World, make_flag: Callable[..., EvidenceFlag], role: str
) -> None:
    flag = make_flag()
    client = Client()
    client.force_login(world.users[role])

    response = client.post(review_url(flag), {"note": "ok"})

    assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.reviewed_at is None


def test_reviewing_an_unknown_flag_is_not_found(world: World) -> None:
    response = office_client(world).post(review_url(999_999), {"note": "ok"})

    assert response.status_code == 404


def test_a_review_is_only_a_post(world: World, make_flag: Callable[..., EvidenceFlag]) -> None:
    assert office_client(world).get(review_url(make_flag())).status_code == 405


@pytest.mark.parametrize(
    "next_url", ["https://example.com/sessions/flags/", "//example.com/x", "/admin/", ""]
)
def test_a_review_goes_back_only_to_the_flags_list(
    world: World, make_flag: Callable[..., EvidenceFlag], next_url: str
) -> None:
    response = office_client(world).post(review_url(make_flag()), {"note": "ok", "next": next_url})

    assert response["Location"] == URL


# --- the review service -------------------------------------------------------------------


def test_the_review_service_refuses_a_note_too_long_and_changes_nothing(
    world: World, make_flag: Callable[..., EvidenceFlag]
) -> None:
    flag = make_flag()

    with pytest.raises(ValidationError) as refused:
        evidence_flag_review(world.users["office"], flag.pk, "长" * 201)

    assert "at most 200 characters" in " ".join(refused.value.message_dict["note"])
    flag.refresh_from_db()
    assert flag.reviewed_at is None


def test_a_second_review_keeps_the_first(
    world: World, make_flag: Callable[..., EvidenceFlag]
) -> None:
    flag = make_flag()
    office = world.users["office"]
    evidence_flag_review(office, flag.pk, "first look")

    with pytest.raises(ValidationError) as refused:
        evidence_flag_review(office, flag.pk, "second look")

    assert "already reviewed by office" in " ".join(refused.value.message_dict["flag"])
    flag.refresh_from_db()
    assert flag.review_note == "first look"


def test_the_review_service_is_for_the_office_only(
    world: World, make_flag: Callable[..., EvidenceFlag]
) -> None:
    flag = make_flag()

    with pytest.raises(PermissionDenied):
        evidence_flag_review(world.users["leader"], flag.pk, "ok")
    with pytest.raises(Http404):
        evidence_flag_review(world.users["office"], "not-a-number", "ok")
