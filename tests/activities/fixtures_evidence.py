"""Test photos and rows for the evidence checks: scenes whose perceptual hash is stable.

Scenes are random ellipses on 800×600 (a smooth gradient would make the hash unstable);
a near copy is the scene re-saved at JPEG quality 60 and resized to half.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from PIL import Image, ImageDraw

from gongzhi.activities.models import ActivityPhoto, Attendance, Contribution
from gongzhi.activities.services_evidence import activity_photos_store
from gongzhi.core.photo_store import photos_check
from tests.core.photo_samples import camera_jpeg, encode


def scene(seed: int) -> Image.Image:
    """25 random ellipses on a random background, the same for the same seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", (800, 600), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x0, y0 = rng.randrange(800), rng.randrange(600)
        x1, y1 = x0 + rng.randrange(40, 300), y0 + rng.randrange(40, 300)
        draw.ellipse((x0, y0, x1, y1), fill=tuple(rng.randrange(256) for _ in range(3)))
    return image


def photo(seed: int, taken_at: str | None = None) -> bytes:
    """A camera JPEG of scene ``seed``; ``taken_at`` ("2021:09:10 15:04:05") or no EXIF time."""
    return camera_jpeg(scene(seed), taken_at=taken_at)


def near_copy(data: bytes, taken_at: str | None = None) -> bytes:
    """The photo re-saved at quality 60 and resized to half, as a forwarded copy would be."""
    image = Image.open(io.BytesIO(data))
    resaved = Image.open(io.BytesIO(encode(image, "JPEG", quality=60)))
    half = resaved.resize((resaved.width // 2, resaved.height // 2))
    if taken_at is None:
        return encode(half, "JPEG", quality=60)
    return camera_jpeg(half, taken_at=taken_at)


def attendance(session: Any, unit: Any, community: Any) -> Attendance:
    return Attendance.objects.create(session=session, unit=unit, community=community, headcount=5)


def contribution(unit: Any, community: Any, date: dt.date = dt.date(2021, 9, 10)) -> Contribution:
    return Contribution.objects.create(
        unit=unit, community=community, date=date, amount_fen=8_000_000
    )


def store(
    user: Any,
    data: bytes,
    *,
    kind: str = "before",
    attendance: Attendance | None = None,
    contribution: Contribution | None = None,
) -> ActivityPhoto:
    """Check and store one photo the way the entry forms do; returns the stored photo."""
    checked = photos_check([data])
    stored = activity_photos_store(
        user=user, checked=checked, kind=kind, attendance=attendance, contribution=contribution
    )
    return stored[0]
