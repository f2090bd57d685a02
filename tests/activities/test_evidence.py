"""Evidence checks: near-same photos used elsewhere, and photos taken far from the session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from gongzhi.activities.models import ActivityPhoto, EvidenceFlag, FlagKind
from gongzhi.activities.queries_evidence import HashMatch, nearest_earlier_matches
from gongzhi.activities.services_evidence import flag_photos
from gongzhi.campaigns.models import Session
from gongzhi.core.photos import hash_distance
from tests.activities.fixtures_evidence import (
    attendance,
    contribution,
    near_copy,
    photo,
    scene,
    store,
)
from tests.core.photo_samples import camera_jpeg
from tests.factories import World

SEPT_10 = dt.date(2021, 9, 10)
SEPT_24 = dt.date(2021, 9, 24)


@pytest.fixture
def sessions(make_session: Callable[..., Session]) -> tuple[Session, Session]:
    return make_session(SEPT_10), make_session(SEPT_24)


@pytest.fixture
def office(world: World) -> Any:
    return world.users["office"]


def flags_of(photo: ActivityPhoto) -> list[EvidenceFlag]:
    return list(EvidenceFlag.objects.filter(photo=photo).order_by("kind"))


# --- reused photos ----------------------------------------------------------------------


@pytest.mark.parametrize("elsewhere", ["another_session", "another_unit", "another_community"])
def test_a_resaved_resized_copy_used_elsewhere_is_flagged(
    world: World, sessions: tuple[Session, Session], office: Any, elsewhere: str
) -> None:
    first, second = sessions
    original = photo(1)
    earlier = store(
        office, original, attendance=attendance(first, world.unit_a, world.community_a1)
    )
    where = {
        "another_session": (second, world.unit_a, world.community_a1),
        "another_unit": (first, world.unit_free, world.community_a1),
        "another_community": (first, world.unit_a, world.community_a2),
    }[elsewhere]
    copy = store(office, near_copy(original), kind="after", attendance=attendance(*where))

    assert copy.phash != "" and copy.sha256 != earlier.sha256
    [flag] = flags_of(copy)
    assert flag.kind == FlagKind.REUSED
    assert flag.other_id == earlier.pk
    assert flag.distance == hash_distance(copy.phash, earlier.phash)
    assert flag.distance <= 10
    assert flags_of(earlier) == []


def test_a_different_photo_is_not_flagged(
    world: World, sessions: tuple[Session, Session], office: Any
) -> None:
    first, second = sessions
    store(office, photo(1), attendance=attendance(first, world.unit_a, world.community_a1))
    other = store(office, photo(2), attendance=attendance(second, world.unit_a, world.community_a1))

    assert flags_of(other) == []
    assert not EvidenceFlag.objects.exists()


def test_the_same_photo_twice_on_one_attendance_is_not_flagged(
    world: World, sessions: tuple[Session, Session], office: Any
) -> None:
    row = attendance(sessions[0], world.unit_a, world.community_a1)
    original = photo(1)
    store(office, original, kind="before", attendance=row)
    store(office, original, kind="after", attendance=row)
    store(office, near_copy(original), kind="after", attendance=row)

    assert not EvidenceFlag.objects.exists()


def test_the_flag_names_the_nearest_earlier_photo(
    world: World, sessions: tuple[Session, Session], office: Any, make_session: Any
) -> None:
    first, second = sessions
    original = photo(3)
    exact = store(office, original, attendance=attendance(first, world.unit_a, world.community_a1))
    store(
        office, near_copy(original), attendance=attendance(second, world.unit_a, world.community_a1)
    )
    third = make_session(dt.date(2021, 10, 8))

    again = store(office, original, attendance=attendance(third, world.unit_a, world.community_a1))

    [flag] = flags_of(again)
    assert (flag.other_id, flag.distance) == (exact.pk, 0)


def test_a_receipt_used_for_another_contribution_is_flagged(world: World, office: Any) -> None:
    receipt = photo(4)
    first = store(
        office, receipt, kind="receipt", contribution=contribution(world.unit_a, world.community_a1)
    )
    second = store(
        office,
        near_copy(receipt),
        kind="receipt",
        contribution=contribution(world.unit_a, world.community_a1, dt.date(2021, 9, 24)),
    )

    [flag] = flags_of(second)
    assert (flag.kind, flag.other_id) == (FlagKind.REUSED, first.pk)


def test_a_receipt_shown_again_as_attendance_evidence_is_flagged(
    world: World, sessions: tuple[Session, Session], office: Any
) -> None:
    receipt = photo(5)
    first = store(
        office, receipt, kind="receipt", contribution=contribution(world.unit_a, world.community_a1)
    )
    after = store(
        office,
        receipt,
        kind="after",
        attendance=attendance(sessions[0], world.unit_a, world.community_a1),
    )

    [flag] = flags_of(after)
    assert (flag.other_id, flag.distance) == (first.pk, 0)


def test_photos_uploaded_before_the_window_are_not_compared(
    world: World, sessions: tuple[Session, Session], office: Any, settings: Any
) -> None:
    first, second = sessions
    original = photo(6)
    old = store(office, original, attendance=attendance(first, world.unit_a, world.community_a1))
    ActivityPhoto.objects.filter(pk=old.pk).update(
        created_at=old.created_at - dt.timedelta(days=400)
    )
    row = attendance(second, world.unit_a, world.community_a1)
    settings.EVIDENCE_WINDOW_DAYS = 365
    copy = store(office, near_copy(original), attendance=row)
    assert flags_of(copy) == []

    settings.EVIDENCE_WINDOW_DAYS = 500
    flag_photos([copy])
    assert [f.other_id for f in flags_of(copy)] == [old.pk]


def test_the_distance_setting_decides_what_counts_as_the_same_photo(
    world: World, sessions: tuple[Session, Session], office: Any, settings: Any
) -> None:
    first, second = sessions
    one = store(office, photo(7), attendance=attendance(first, world.unit_a, world.community_a1))
    settings.EVIDENCE_HASH_DISTANCE = 0
    other = store(office, photo(8), attendance=attendance(second, world.unit_a, world.community_a1))
    bits = hash_distance(one.phash, other.phash)
    assert bits > 10
    assert flags_of(other) == []

    settings.EVIDENCE_HASH_DISTANCE = bits - 1
    assert flag_photos([other]) == []
    settings.EVIDENCE_HASH_DISTANCE = bits
    [flag] = flag_photos([other])
    assert (flag.other_id, flag.distance) == (one.pk, bits)


def test_photos_flagged_together_are_compared_with_each_other_in_upload_order(
    world: World, sessions: tuple[Session, Session], office: Any
) -> None:
    """As the demo loader does: store many photos, then flag them in one call."""
    first, second = sessions
    original = photo(9)
    a = store(office, original, attendance=attendance(first, world.unit_a, world.community_a1))
    b = store(
        office, near_copy(original), attendance=attendance(second, world.unit_a, world.community_a1)
    )
    EvidenceFlag.objects.all().delete()

    flags = flag_photos([b, a])

    assert [(f.photo_id, f.other_id) for f in flags] == [(b.pk, a.pk)]


def test_flagging_twice_raises_no_second_flag(
    world: World, sessions: tuple[Session, Session], office: Any
) -> None:
    first, second = sessions
    original = photo(10)
    store(office, original, attendance=attendance(first, world.unit_a, world.community_a1))
    copy = store(
        office,
        near_copy(original, taken_at="2021:01:02 10:00:00"),
        attendance=attendance(second, world.unit_a, world.community_a1),
    )
    assert [f.kind for f in flags_of(copy)] == [FlagKind.REUSED, FlagKind.TIME_FAR]

    assert flag_photos([copy]) == []
    assert EvidenceFlag.objects.filter(photo=copy).count() == 2


# --- photos taken far from the session -----------------------------------------------------


@pytest.mark.parametrize(
    ("taken_at", "days"),
    [
        ("2021:09:01 10:00:00", 9),
        ("2021:09:14 00:05:00", 4),
        ("2022:09:10 15:00:00", 365),
    ],
)
def test_an_attendance_photo_taken_far_from_the_session_is_flagged(
    world: World, sessions: tuple[Session, Session], office: Any, taken_at: str, days: int
) -> None:
    row = attendance(sessions[0], world.unit_a, world.community_a1)
    stored = store(office, photo(11, taken_at=taken_at), attendance=row)

    [flag] = flags_of(stored)
    assert (flag.kind, flag.distance, flag.other_id) == (FlagKind.TIME_FAR, days, None)


@pytest.mark.parametrize(
    "taken_at", ["2021:09:10 15:04:05", "2021:09:07 08:00:00", "2021:09:13 23:59:59", None]
)
def test_an_attendance_photo_taken_near_the_session_or_without_a_time_is_not_flagged(
    world: World, sessions: tuple[Session, Session], office: Any, taken_at: str | None
) -> None:
    row = attendance(sessions[0], world.unit_a, world.community_a1)
    stored = store(office, photo(12, taken_at=taken_at), attendance=row)

    assert flags_of(stored) == []


def test_the_exif_time_counts_as_a_date_in_shanghai(
    world: World, sessions: tuple[Session, Session], office: Any
) -> None:
    """20:30 UTC on the 13th is 04:30 on the 14th in Shanghai: four days after the 10th,
    even while a request runs in another time zone."""
    data = camera_jpeg(scene(13), taken_at="2021:09:13 20:30:00", offset="+00:00")
    with timezone.override("UTC"):
        stored = store(
            office, data, attendance=attendance(sessions[0], world.unit_a, world.community_a1)
        )

    [flag] = flags_of(stored)
    assert (flag.kind, flag.distance) == (FlagKind.TIME_FAR, 4)


def test_the_days_setting_moves_the_limit(
    world: World, sessions: tuple[Session, Session], office: Any, settings: Any
) -> None:
    settings.EVIDENCE_MAX_DAYS_FROM_SESSION = 10
    row = attendance(sessions[0], world.unit_a, world.community_a1)
    assert flags_of(store(office, photo(14, taken_at="2021:09:01 10:00:00"), attendance=row)) == []
    settings.EVIDENCE_MAX_DAYS_FROM_SESSION = 8
    flagged = store(office, photo(15, taken_at="2021:09:01 10:00:00"), attendance=row)
    assert [(f.kind, f.distance) for f in flags_of(flagged)] == [(FlagKind.TIME_FAR, 9)]


def test_receipts_are_not_time_checked(world: World, office: Any) -> None:
    stored = store(
        office,
        photo(16, taken_at="2020:01:01 09:00:00"),
        kind="receipt",
        contribution=contribution(world.unit_a, world.community_a1),
    )

    assert flags_of(stored) == []


def test_flags_refuse_nothing(world: World, sessions: tuple[Session, Session], office: Any) -> None:
    first, second = sessions
    original = photo(17)
    store(office, original, attendance=attendance(first, world.unit_a, world.community_a1))
    row = attendance(second, world.unit_a, world.community_a1)

    copy = store(office, near_copy(original, taken_at="2020:01:01 09:00:00"), attendance=row)

    assert ActivityPhoto.objects.filter(attendance=row).get() == copy
    assert {f.kind for f in flags_of(copy)} == {FlagKind.REUSED, FlagKind.TIME_FAR}


# --- the band index ---------------------------------------------------------------------


def _photo_row(proof: Any, phash: str) -> ActivityPhoto:
    """A stored photo with a chosen hash (no files: only the hash columns matter here)."""
    row = ActivityPhoto(
        kind="before",
        attendance=proof,
        session_id=proof.session_id,
        unit_id=proof.unit_id,
        community_id=proof.community_id,
        format="JPEG",
        width=1,
        height=1,
        size_bytes=1,
        sha256="0" * 64,
        phash=phash,
    )
    row.save()
    return row


def _spread(base: int, per_band: tuple[int, int, int, int]) -> str:
    """``base`` with the given number of low bits flipped in each 16-bit band."""
    value = base
    for band, count in enumerate(per_band):
        for bit in range(count):
            value ^= 1 << (16 * (3 - band) + bit)
    return f"{value:016x}"


@pytest.mark.parametrize(
    ("per_band", "found"),
    [
        ((3, 3, 2, 2), True),  # 10 bits, every band touched: one band is within 2 bits
        ((0, 0, 5, 5), True),
        ((3, 3, 3, 2), False),  # 11 bits: over the limit
        ((3, 3, 3, 3), False),
    ],
)
def test_the_band_index_finds_exactly_the_hashes_within_the_limit(
    world: World,
    sessions: tuple[Session, Session],
    per_band: tuple[int, int, int, int],
    found: bool,
) -> None:
    base = 0x9F3A_5C71_E0D2_4B86
    earlier = _photo_row(attendance(sessions[0], world.unit_a, world.community_a1), f"{base:016x}")
    later = _photo_row(
        attendance(sessions[1], world.unit_a, world.community_a1), _spread(base, per_band)
    )
    assert (earlier.phash_b0, later.phash_b3) == (0x9F3A, (0x4B86 ^ ((1 << per_band[3]) - 1)))
    matches = nearest_earlier_matches([later])
    assert (later.pk in matches) is found
    if found:
        assert matches[later.pk] == HashMatch(earlier.pk, sum(per_band))
