"""Test photos made in memory with Pillow (no binary samples in the repository)."""

from __future__ import annotations

import io
import random
import struct
import zlib
from datetime import datetime
from fractions import Fraction

from PIL import ExifTags, Image, TiffImagePlugin

# 随州 city centre, roughly.
SUIZHOU_LAT = 31.690_555
SUIZHOU_LNG = 113.382_5


def encode(image: Image.Image, format: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()


def gradient(width: int = 64, height: int = 48, mode: str = "RGB") -> Image.Image:
    """An image whose left, right, top and bottom differ, so rotations are detectable."""
    vertical = Image.linear_gradient("L")  # black at the top, white at the bottom
    horizontal = vertical.rotate(90).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    red = horizontal.resize((width, height), Image.Resampling.NEAREST)
    green = vertical.resize((width, height), Image.Resampling.NEAREST)
    blue = Image.new("L", (width, height), 64)
    return Image.merge("RGB", (red, green, blue)).convert(mode)


def marked(width: int = 80, height: int = 40) -> Image.Image:
    """A white landscape image with a red block in its top-left corner."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, width // 4, height // 4))
    return image


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction((value - degrees - minutes / 60) * 3600).limit_denominator(10_000)
    return (
        TiffImagePlugin.IFDRational(degrees, 1),
        TiffImagePlugin.IFDRational(minutes, 1),
        TiffImagePlugin.IFDRational(seconds.numerator, seconds.denominator),
    )


def camera_exif(
    *,
    latitude: float | None = SUIZHOU_LAT,
    longitude: float | None = SUIZHOU_LNG,
    taken_at: str | None = "2021:09:10 15:04:05",
    offset: str | None = None,
    orientation: int | None = None,
    make: str | None = "Huawei",
    model: str | None = "P40",
) -> Image.Exif:
    """An EXIF block as a phone camera writes it: time, GPS, make and model."""
    exif = Image.Exif()
    if make:
        exif[ExifTags.Base.Make] = make
    if model:
        exif[ExifTags.Base.Model] = model
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if taken_at:
        details = exif.get_ifd(ExifTags.IFD.Exif)
        details[ExifTags.Base.DateTimeOriginal] = taken_at
        if offset:
            details[ExifTags.Base.OffsetTimeOriginal] = offset
    if latitude is not None and longitude is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSVersionID] = b"\x02\x02\x00\x00"
        gps[ExifTags.GPS.GPSLatitudeRef] = "N" if latitude >= 0 else "S"
        gps[ExifTags.GPS.GPSLatitude] = _dms(latitude)
        gps[ExifTags.GPS.GPSLongitudeRef] = "E" if longitude >= 0 else "W"
        gps[ExifTags.GPS.GPSLongitude] = _dms(longitude)
    return exif


def camera_jpeg(image: Image.Image | None = None, **exif_options: object) -> bytes:
    """A JPEG with camera EXIF (GPS and DateTimeOriginal by default)."""
    exif = camera_exif(**exif_options)  # type: ignore[arg-type]
    return encode(image or gradient(), "JPEG", exif=exif.tobytes(), quality=90)


def transparent_png(width: int = 40, height: int = 30) -> bytes:
    image = Image.new("RGBA", (width, height), (0, 128, 255, 0))
    image.paste((255, 0, 0, 255), (0, 0, width // 2, height // 2))
    return encode(image, "PNG")


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


def noise(width: int = 200, height: int = 150, seed: int = 0) -> Image.Image:
    """Random pixels: compress badly, so a cut anywhere loses image data."""
    rng = random.Random(seed)
    return Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))


def noisy_jpeg(width: int = 200, height: int = 150, seed: int = 0) -> bytes:
    return encode(noise(width, height, seed))


def jpeg_padded_to(size: int, base: bytes | None = None) -> bytes:
    """A valid JPEG made at least `size` bytes long by comment (COM) segments after SOI."""
    base = base or encode(gradient(), "JPEG")
    chunk = 65_533  # a segment's length field counts itself and holds at most 65 535
    needed = max(size - len(base), 0)
    segments = []
    while needed > 0:
        payload = b"x" * min(chunk, max(needed - 4, 1))
        segments.append(b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload)
        needed -= len(payload) + 4
    return base[:2] + b"".join(segments) + base[2:]


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width`×`height`, with a short, valid-looking IDAT.

    Written by hand so the test never has to produce (or decode) the huge image.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    # A little compressed data; a real bomb's zeros would be as small for far more pixels.
    pixels = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def taken_at_text(moment: datetime) -> str:
    return moment.strftime("%Y:%m:%d %H:%M:%S")
