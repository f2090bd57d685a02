"""Reads of the evidence checks: near-same photos, and the evidence flags the office reviews.

A photo is *reused* when an earlier activity photo proving something else (another
attendance, so another session, unit or community, or another contribution) has a
perceptual hash within ``EVIDENCE_HASH_DISTANCE`` bits of it. Only activity photos
are compared: a unit's "before" photo of a problem may rightly be the resident's
report photo, and ``EvidenceFlag.other`` points at an activity photo.

How candidates are found: multi-index hashing. Each photo's 64-bit hash is stored
cut into four indexed 16-bit bands (``ActivityPhoto.phash_b0`` … ``phash_b3``). Two
hashes within 10 bits agree to within 2 bits on at least one band (otherwise they
would differ in at least 4 × 3 = 12), so the candidates are the photos whose band
equals one of the 137 values within 2 bits of the new photo's band, for any band:
index look-ups whose cost does not grow with the number of photos stored. The exact
distance is then checked on those few rows. The band radius follows the limit
(``limit // 4``), so the search stays exact for any ``EVIDENCE_HASH_DISTANCE``; a
larger limit only means more values per look-up.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from gongzhi.activities.models import ActivityPhoto, EvidenceFlag
from gongzhi.core.pagination import Page, clamp_limit, decode_cursor, encode_cursor
from gongzhi.core.scoping import scope_of

DEFAULT_HASH_DISTANCE = 10
DEFAULT_WINDOW_DAYS = 365
DEFAULT_MAX_DAYS_FROM_SESSION = 3

HASH_DIGITS = 16  # 64 bits


def hash_distance_limit() -> int:
    """Photos whose hashes differ in at most this many bits count as the same photo."""
    return int(getattr(settings, "EVIDENCE_HASH_DISTANCE", DEFAULT_HASH_DISTANCE))


def window_days() -> int:
    """How far back (by upload time) a new photo is compared with earlier ones."""
    return int(getattr(settings, "EVIDENCE_WINDOW_DAYS", DEFAULT_WINDOW_DAYS))


def max_days_from_session() -> int:
    """An attendance photo taken more days than this from the session date is flagged."""
    return int(getattr(settings, "EVIDENCE_MAX_DAYS_FROM_SESSION", DEFAULT_MAX_DAYS_FROM_SESSION))


# --- near-same photos -------------------------------------------------------------------


@dataclass(frozen=True)
class HashMatch:
    """The nearest earlier photo proving something else, and how many bits they differ in."""

    other_id: int
    distance: int


def _hash_value(phash: str) -> int | None:
    if len(phash) != HASH_DIGITS:
        return None
    try:
        return int(phash, 16)
    except ValueError:
        return None


def _as_uint64(hashes: Sequence[str]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The hashes as unsigned 64-bit integers, with a mask of those that are well-formed."""
    try:
        # All well-formed (the usual case): one conversion of the whole chunk.
        raw = bytes.fromhex("".join(hashes))
        if len(raw) == 8 * len(hashes):
            values = np.frombuffer(raw, dtype=">u8").astype(np.uint64)
            return values, np.ones(len(hashes), dtype=bool)
    except ValueError:
        pass
    parsed = [_hash_value(h) for h in hashes]
    values = np.array([v if v is not None else 0 for v in parsed], dtype=np.uint64)
    return values, np.array([v is not None for v in parsed], dtype=bool)


BANDS = 4
BAND_BITS = 16


def _within(value: int, radius: int) -> list[int]:
    """Every 16-bit value differing from ``value`` in at most ``radius`` bits."""
    found = [value]
    for count in range(1, radius + 1):
        for bits in itertools.combinations(range(BAND_BITS), count):
            flipped = value
            for bit in bits:
                flipped ^= 1 << bit
            found.append(flipped)
    return found


def _candidate_rows(
    values: Sequence[int], start: dt.datetime, before_id: int, limit: int
) -> Iterator[Sequence[tuple[int, str, int | None, int | None]]]:
    """(id, phash, attendance id, contribution id) of the photos uploaded since ``start``
    with an id below ``before_id`` that share a near band with one of ``values``: a
    superset of those within ``limit`` bits, found through the band indexes."""
    radius = limit // BANDS  # pigeonhole: some band differs in at most this many bits
    for value in values:
        bands = [(value >> (BAND_BITS * (BANDS - 1 - i))) & 0xFFFF for i in range(BANDS)]
        near = Q()
        for i, band in enumerate(bands):
            near |= Q(**{f"phash_b{i}__in": _within(band, radius)})
        yield list(
            ActivityPhoto.objects.filter(near, id__lt=before_id, created_at__gte=start)
            .exclude(phash="")
            .values_list("id", "phash", "attendance_id", "contribution_id")
        )


def nearest_earlier_matches(photos: Sequence[ActivityPhoto]) -> dict[int, HashMatch]:
    """For each stored photo (by id), the nearest earlier photo that proves another
    attendance or contribution within :func:`hash_distance_limit` bits, if any.

    "Earlier" means a lower id among the photos uploaded in the :func:`window_days`
    before the oldest of ``photos``. Ties go to the earliest photo. Photos proving the
    same attendance or contribution never match each other (a photo attached twice to
    the same proof is not reuse).
    """
    limit = hash_distance_limit()
    wanted = [
        (p, value)
        for p in photos
        if p.pk is not None and (value := _hash_value(p.phash)) is not None
    ]
    if not wanted:
        return {}
    oldest = min(p.created_at or timezone.now() for p, _value in wanted)
    start = oldest - dt.timedelta(days=window_days())
    before_id = max(p.pk for p, _value in wanted)
    best: dict[int, HashMatch] = {}
    for rows in _candidate_rows([v for _p, v in wanted], start, before_id, limit):
        if not rows:
            continue
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        values, valid = _as_uint64([r[1] for r in rows])
        attendance = np.fromiter(
            (r[2] if r[2] is not None else -1 for r in rows), dtype=np.int64, count=len(rows)
        )
        contribution = np.fromiter(
            (r[3] if r[3] is not None else -1 for r in rows), dtype=np.int64, count=len(rows)
        )
        for photo, value in wanted:
            distances = np.bitwise_count(values ^ np.uint64(value))
            same_proof = (attendance == (photo.attendance_id or -1)) & (
                contribution == (photo.contribution_id or -1)
            )
            hits = np.flatnonzero(valid & (ids < photo.pk) & ~same_proof & (distances <= limit))
            if hits.size == 0:
                continue
            # Nearest first, then earliest: lexsort sorts by the last key first.
            first = hits[np.lexsort((ids[hits], distances[hits]))[0]]
            match = HashMatch(other_id=int(ids[first]), distance=int(distances[first]))
            known = best.get(photo.pk)
            if known is None or (match.distance, match.other_id) < (
                known.distance,
                known.other_id,
            ):
                best[photo.pk] = match
    return best


def days_from_session(taken_at: dt.datetime, session_date: dt.date) -> int:
    """Whole days between the day a photo was taken and the session date, both in the
    city's time zone (``TIME_ZONE``, Asia/Shanghai), whatever zone a request activated."""
    taken_on = timezone.localdate(taken_at, timezone.get_default_timezone())
    return abs((taken_on - session_date).days)


# --- the flags the office reviews -----------------------------------------------------------


class FlagStatus:
    OPEN = "open"
    REVIEWED = "reviewed"
    CHOICES = (OPEN, REVIEWED)


def flags_visible_to(user: Any) -> QuerySet[EvidenceFlag]:
    """Evidence flags ``user`` may see: all of them for the city office, none for anyone else."""
    if not scope_of(user).is_office:
        return EvidenceFlag.objects.none()
    return EvidenceFlag.objects.all()


def flags_listed(user: Any, *, status: str = FlagStatus.OPEN, kind: str = "") -> QuerySet[Any]:
    """The flags of one status (and kind, if given) with everything a row shows, in one query."""
    qs = flags_visible_to(user).filter(reviewed_at__isnull=status != FlagStatus.REVIEWED)
    if kind:
        qs = qs.filter(kind=kind)
    related = ("session", "unit", "community", "contribution")
    return qs.select_related(
        "reviewed_by",
        *(f"photo__{r}" for r in related),
        *(f"other__{r}" for r in related),
    )


def _order_key(status: str) -> str:
    # Open flags newest raised first (index flag_open_idx); reviewed ones newest reviewed first.
    return "reviewed_at" if status == FlagStatus.REVIEWED else "created_at"


def _decode_flag_cursor(cursor: str | None) -> tuple[dt.datetime, int] | None:
    value = decode_cursor(cursor)
    if not value or "|" not in value:
        return None
    moment, _sep, pk = value.rpartition("|")
    if not (pk.isascii() and pk.isdigit()):
        return None
    try:
        when = dt.datetime.fromisoformat(moment)
    except ValueError:
        return None
    if timezone.is_naive(when):
        return None
    return when, int(pk)


def flags_page(
    qs: QuerySet[EvidenceFlag],
    *,
    status: str = FlagStatus.OPEN,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[EvidenceFlag]:
    """One page of flags, newest first, by keyset on (time, id); a bad cursor is page one."""
    size = clamp_limit(limit)
    key = _order_key(status)
    qs = qs.order_by(f"-{key}", "-id")
    after = _decode_flag_cursor(cursor)
    if after is not None:
        when, pk = after
        qs = qs.filter(Q(**{f"{key}__lt": when}) | Q(**{key: when, "id__lt": pk}))
    rows = list(qs[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(f"{getattr(last, key).isoformat()}|{last.pk}")
    return Page(items=rows, next_cursor=next_cursor)
