"""Photos: accept an upload only if it is a real, sane image, and make safe copies of it.

Pure functions, no models: the apps (problems, activities) store what these return.

- `inspect_photo` refuses anything that is not a complete JPEG, PNG or WebP image within
  the size and pixel limits, and reads what staff need from it (EXIF time and place).
- `public_copy` and `thumbnail` re-encode the pixels only, so nothing of the original
  metadata (GPS, time, camera) can reach the public.

Decompression bombs are refused from the header alone, before any pixel is decoded.
`_describe`, which sees the fully decoded image once, also computes its perceptual hash
(`PhotoInfo.phash`), with which evidence checks find the same photo used twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import IO

import imagehash
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageFile, ImageOps, JpegImagePlugin, PngImagePlugin

from gongzhi.core.exif import exif_camera, exif_gps, exif_taken_at

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
PUBLIC_MAX_EDGE = 2560
PUBLIC_JPEG_QUALITY = 85
THUMBNAIL_JPEG_QUALITY = 80

# Only these decoders ever see an upload: fewer parsers, less attack surface.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

# What a broken file makes Pillow's decoders raise.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError)

PhotoInput = bytes | IO[bytes]


@dataclass(frozen=True)
class PhotoInfo:
    """What an accepted photo is, as stored next to it; EXIF fields are None when absent."""

    format: str  # "JPEG", "PNG" or "WEBP"
    width: int  # as stored, before any EXIF orientation
    height: int
    size_bytes: int
    sha256: str  # hex digest of the file as uploaded
    taken_at: datetime | None = None  # timezone-aware
    latitude: float | None = None  # WGS-84 as the camera wrote it
    longitude: float | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    phash: str = ""  # 64-bit perceptual hash (DCT), 16 hex digits; near copies differ in few bits

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.format]

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def photo_max_bytes() -> int:
    return int(getattr(settings, "PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def photo_max_pixels() -> int:
    return int(getattr(settings, "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def inspect_photo(
    data: PhotoInput, *, max_bytes: int | None = None, max_pixels: int | None = None
) -> PhotoInfo:
    """Accept a photo only if it decodes fully within the limits; raise ValidationError if not.

    Checks, cheapest first: byte size (before reading a large file), that it is a JPEG,
    PNG or WebP at all, the pixel count from the header (before decoding), the file's
    own consistency (`verify`), and finally a full decode of a fresh copy.
    """
    raw = _read_limited(data, max_bytes if max_bytes is not None else photo_max_bytes())
    image = _open_within_limits(raw, max_pixels if max_pixels is not None else photo_max_pixels())
    try:
        image.verify()
    except _DECODE_ERRORS as error:
        raise _damaged() from error
    image = _open_within_limits(raw, max_pixels if max_pixels is not None else photo_max_pixels())
    _load_fully(image)
    return _describe(image, raw)


def public_copy(
    data: PhotoInput, *, max_edge: int = PUBLIC_MAX_EDGE, quality: int = PUBLIC_JPEG_QUALITY
) -> bytes:
    """A copy safe to publish: pixels only (no EXIF, GPS, time or comments), upright, bounded.

    JPEG, or PNG when the image has real transparency. Never enlarged.
    """
    image = _upright(_in_srgb(_decode(data, draft_edge=max_edge)))
    if _has_transparency(image):
        image = image.convert("RGBA")
        image.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
        return _encode(_pixels_only(image), "PNG", optimize=True)
    image = _opaque(image)
    image.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    return _encode(_pixels_only(image), "JPEG", quality=quality, optimize=True)


def thumbnail(data: PhotoInput, size: int = 320, *, quality: int = THUMBNAIL_JPEG_QUALITY) -> bytes:
    """A small upright JPEG (longest edge at most `size`) with no metadata; alpha goes on white."""
    image = _opaque(_upright(_in_srgb(_decode(data, draft_edge=size))))
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    return _encode(_pixels_only(image), "JPEG", quality=quality, optimize=True)


# -- reading and refusing -------------------------------------------------------------


def _read_limited(data: PhotoInput, max_bytes: int) -> bytes:
    """The file's bytes, refusing it as soon as it is known to exceed `max_bytes`."""
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        declared = getattr(data, "size", None)  # Django's UploadedFile knows its size
        if isinstance(declared, int) and declared > max_bytes:
            raise _too_large(declared, max_bytes)
        with contextlib.suppress(AttributeError, OSError, ValueError):
            data.seek(0)  # an upload may have been read before; a pipe cannot seek, and need not
        raw = data.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise _too_large(_total_size(data, len(raw)), max_bytes)
    if len(raw) > max_bytes:
        raise _too_large(len(raw), max_bytes)
    if not raw:
        raise ValidationError(_("The file is empty; please choose a photo."), code="empty")
    return raw


def _total_size(stream: IO[bytes], read_so_far: int) -> int:
    try:
        return max(stream.seek(0, io.SEEK_END), read_so_far)
    except (OSError, ValueError, AttributeError):
        return read_so_far


def _open_within_limits(raw: bytes, max_pixels: int) -> ImageFile.ImageFile:
    """Open lazily (header only) and refuse a pixel count over `max_pixels`."""
    try:
        with warnings.catch_warnings():
            # Our own limit is lower than Pillow's warning threshold and checked below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=ACCEPTED_FORMATS)
    except Image.UnidentifiedImageError as error:
        raise ValidationError(
            _("The file is not a photo: only JPEG, PNG and WebP images are accepted."),
            code="not_image",
        ) from error
    except Image.DecompressionBombError as error:
        width, height = _header_size(raw)
        raise _too_many_pixels(width, height, max_pixels) from error
    except _DECODE_ERRORS as error:
        raise _damaged() from error
    width, height = image.size
    if width <= 0 or height <= 0:
        raise _damaged()
    if width * height > max_pixels:
        raise _too_many_pixels(width, height, max_pixels)
    return image


def _header_size(raw: bytes) -> tuple[int, int]:
    """Width and height from the header alone, bypassing Pillow's bomb check (for the message).

    Constructing a plugin's image class parses the header but decodes nothing.
    """
    for plugin in (PngImagePlugin.PngImageFile, JpegImagePlugin.JpegImageFile, _webp_plugin()):
        if plugin is None:
            continue
        try:
            image = plugin(io.BytesIO(raw))
        except _DECODE_ERRORS:
            continue
        return image.size
    return (0, 0)  # pragma: no cover - Image.open identified it, so one plugin can


def _webp_plugin() -> type[ImageFile.ImageFile] | None:
    try:
        from PIL import WebPImagePlugin
    except ImportError:  # pragma: no cover - Pillow built without WebP
        return None
    return WebPImagePlugin.WebPImageFile


def _load_fully(image: ImageFile.ImageFile) -> None:
    # LOAD_TRUNCATED_IMAGES is a process-wide flag that some libraries set on import
    # (WeasyPrint does); a truncated upload must fail here, never be padded with grey.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    except _DECODE_ERRORS as error:
        raise _damaged() from error


def _decode(data: PhotoInput, *, draft_edge: int | None = None) -> ImageFile.ImageFile:
    """Safely open and fully decode a photo (the same checks as `inspect_photo`, minus verify).

    With `draft_edge`, a JPEG is decoded directly at a reduced scale (never below that
    edge), which makes copies of 40-megapixel photos several times faster.
    """
    raw = _read_limited(data, photo_max_bytes())
    image = _open_within_limits(raw, photo_max_pixels())
    if draft_edge is not None and image.format == "JPEG":
        image.draft(None, (draft_edge, draft_edge))
    _load_fully(image)
    return image


def _describe(image: Image.Image, raw: bytes) -> PhotoInfo:
    exif = image.getexif()
    latitude, longitude = exif_gps(exif)
    make, model = exif_camera(exif)
    return PhotoInfo(
        format=_format_of(image),
        width=image.width,
        height=image.height,
        size_bytes=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        taken_at=exif_taken_at(exif),
        latitude=latitude,
        longitude=longitude,
        camera_make=make,
        camera_model=model,
        phash=perceptual_hash(image),
    )


def perceptual_hash(image: Image.Image) -> str:
    """The image's 64-bit DCT perceptual hash as 16 hex digits (upright, as people see it).

    A re-saved, resized or slightly recompressed copy lands within a few bits of
    the original (:func:`hash_distance`); a different photo far from it.
    """
    small = image.convert("RGB")
    small.thumbnail((256, 256))  # the hash looks at 32×32 anyway; shrink cheaply first
    return str(imagehash.phash(_upright(small)))


def hash_distance(a: str, b: str) -> int:
    """How many of the 64 bits two perceptual hashes differ in."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _format_of(image: Image.Image) -> str:
    # Phones write multi-picture JPEGs (MPO: the photo plus depth maps or previews); the
    # file is still a JPEG whose first picture is the photo, and browsers show it as one.
    if image.format == "MPO":
        return "JPEG"
    if image.format not in ACCEPTED_FORMATS:  # pragma: no cover - Image.open(formats=...)
        raise ValidationError(
            _("The file is not a photo: only JPEG, PNG and WebP images are accepted."),
            code="not_image",
        )
    return image.format


def _megabytes(size: int, *, round_up: bool = False) -> str:
    """Megabytes with one decimal; rounded up for a refused size, so it never reads as the limit."""
    tenths = size * 10 / (1024 * 1024)
    shown = math.ceil(tenths) / 10 if round_up else round(tenths) / 10
    return f"{shown:.1f}".removesuffix(".0")


def _too_large(size: int, max_bytes: int) -> ValidationError:
    return ValidationError(
        _("The photo is too large: %(size)s MB, but at most %(max)s MB is allowed."),
        code="too_large",
        params={"size": _megabytes(size, round_up=True), "max": _megabytes(max_bytes)},
    )


def _too_many_pixels(width: int, height: int, max_pixels: int) -> ValidationError:
    return ValidationError(
        _(
            "The photo has too many pixels: %(width)d×%(height)d, "
            "but at most %(max)s megapixels are allowed."
        ),
        code="too_many_pixels",
        params={"width": width, "height": height, "max": f"{max_pixels / 1_000_000:g}"},
    )


def _damaged() -> ValidationError:
    return ValidationError(
        _("The photo is damaged or truncated and cannot be read completely."),
        code="damaged",
    )


# -- making copies --------------------------------------------------------------------


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation to the pixels, so copies without EXIF still look right."""
    with contextlib.suppress(*_DECODE_ERRORS):  # a broken EXIF block: keep pixels as stored
        ImageOps.exif_transpose(image, in_place=True)  # the image is ours: no copy needed
    return image


def _in_srgb(image: Image.Image) -> Image.Image:
    """Colours converted to sRGB when the photo carries an ICC profile (which is then dropped).

    Phones often shoot in Display P3; without this, a copy stripped of its profile would
    look washed out. If the profile cannot be used, the pixels are kept as they are.
    """
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        converted = ImageCms.profileToProfile(
            image,
            ImageCms.ImageCmsProfile(io.BytesIO(profile)),
            ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")),
            outputMode="RGBA" if image.mode == "RGBA" else "RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    if converted is None:  # pragma: no cover - only when converting in place
        return image
    converted.info = {key: value for key, value in image.info.items() if key != "icc_profile"}
    return converted


def _has_transparency(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        alpha = image.convert("RGBA").getchannel("A")
        lowest, _highest = alpha.getextrema()
        return isinstance(lowest, int | float) and lowest < 255
    return False


def _opaque(image: Image.Image) -> Image.Image:
    """RGB (or L for greyscale), with any transparency flattened onto white."""
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("L", "RGB"):
        return image
    return image.convert("RGB")


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image holding only the pixels: no info dict, EXIF, ICC profile, text or XMP."""
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()
