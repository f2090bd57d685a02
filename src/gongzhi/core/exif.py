"""Reading what staff need from a photo's EXIF: when, where, and with which camera.

Every reader is forgiving: a missing or malformed tag gives None, never an error, because
EXIF is advisory (evidence flags) and must not make a good photo unacceptable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from PIL import ExifTags, Image

# Cameras write local time without an offset; in China that is Beijing time.
CAMERA_TIME_ZONE = ZoneInfo("Asia/Shanghai")

_DATETIME = re.compile(r"^\s*(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")

# (time tag, its offset tag), best first: when the shutter fired, then when it was digitised.
_TIME_TAGS = (
    (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal),
    (ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized),
)


def exif_taken_at(exif: Image.Exif) -> datetime | None:
    """When the photo was taken, timezone-aware (Asia/Shanghai when the EXIF has no offset)."""
    try:
        details = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:  # a malformed EXIF IFD just means "unknown"
        return None
    for time_tag, offset_tag in _TIME_TAGS:
        taken_at = parse_exif_datetime(details.get(time_tag), details.get(offset_tag))
        if taken_at is not None:
            return taken_at
    return None


def parse_exif_datetime(value: object, offset: object = None) -> datetime | None:
    """'2021:09:10 15:04:05' (+ optional '+08:00') → aware datetime, or None if unusable."""
    match = _DATETIME.match(_text(value) or "")
    if match is None:
        return None
    tz = _parse_offset(_text(offset)) or CAMERA_TIME_ZONE
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:  # "0000:00:00 00:00:00" and other impossible dates
        return None


def _parse_offset(value: str | None) -> timezone | None:
    match = _OFFSET.match(value or "")
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)


def exif_gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    """(latitude, longitude) in decimal degrees as the camera wrote them, or (None, None)."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # a malformed GPS IFD just means "no place"
        return (None, None)
    latitude = _coordinate(
        gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S", 90
    )
    longitude = _coordinate(
        gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W", 180
    )
    if latitude is None or longitude is None:
        return (None, None)
    return (latitude, longitude)


def dms_to_degrees(value: object) -> float | None:
    """Degrees, minutes, seconds (rationals, floats, or fewer parts) → decimal degrees."""
    parts: Sequence[object] = value if isinstance(value, tuple | list) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    total = 0.0
    for part, scale in zip(parts, (1.0, 60.0, 3600.0), strict=False):
        try:
            number = float(part)  # type: ignore[arg-type]
        except (TypeError, ValueError, ZeroDivisionError):
            return None
        if not math.isfinite(number) or number < 0:
            return None
        total += number / scale
    return total


def _coordinate(value: object, ref: object, negative_ref: str, limit: float) -> float | None:
    degrees = dms_to_degrees(value)
    if degrees is None or degrees > limit:
        return None
    if (_text(ref) or "").upper().startswith(negative_ref):
        degrees = -degrees
    return degrees


def exif_camera(exif: Image.Exif) -> tuple[str | None, str | None]:
    """(make, model) of the camera, or None for each one absent."""
    return (_text(exif.get(ExifTags.Base.Make)), _text(exif.get(ExifTags.Base.Model)))


def _text(value: object) -> str | None:
    """An EXIF ASCII value as clean text (NUL padding and blanks removed), or None."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    cleaned = value.replace("\x00", "").strip()
    return cleaned or None
