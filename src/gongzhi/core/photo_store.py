"""Checking uploads and writing an accepted photo: the original, a public copy and a
thumbnail, under random names.

The apps check every upload of a request with :func:`photos_check` first (before
anything is written) and then hand each one here with the model row that keeps it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from gongzhi.core import photos
from gongzhi.core.models import StoredPhoto

P = TypeVar("P", bound=StoredPhoto)

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

#: Photos one form or call may attach at most.
MAX_PHOTOS = 9

#: What a caller may hand over as a photo: an uploaded file, a stream or bytes.
PhotoUpload = bytes | IO[bytes]


@dataclass(frozen=True)
class CheckedPhoto:
    raw: bytes
    info: photos.PhotoInfo


def _photo_name(upload: PhotoUpload, position: int) -> str:
    name = getattr(upload, "name", "") or ""
    return str(name).rsplit("/", 1)[-1] or _("photo %(n)d") % {"n": position}


def photos_check(uploads: Sequence[PhotoUpload], field: str = "photos") -> list[CheckedPhoto]:
    """Read and check every upload before anything is written.

    Raises one ``ValidationError`` on ``field`` listing each refused file by
    name (not an image, damaged, too large, too many pixels) and refuses more
    than :data:`MAX_PHOTOS`.
    """
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError({field: [_("Attach at most %(n)d photos.") % {"n": MAX_PHOTOS}]})
    checked: list[CheckedPhoto] = []
    messages: list[str] = []
    for position, upload in enumerate(uploads, start=1):
        if hasattr(upload, "seek"):
            upload.seek(0)
        raw = upload if isinstance(upload, bytes) else upload.read()
        try:
            info = photos.inspect_photo(raw)
        except ValidationError as refused:
            for message in refused.messages:
                messages.append(f"{_photo_name(upload, position)}: {message}")
            continue
        checked.append(CheckedPhoto(raw=raw, info=info))
    if messages:
        raise ValidationError({field: messages})
    return checked


def store_photo(item: P, raw: bytes, info: photos.PhotoInfo, user: Any) -> P:
    """Fill ``item`` from ``info``, write its three files and save it.

    Names are random, so a photo's address reveals nothing and cannot be guessed.
    ``user`` is recorded as the uploader when logged in (the public uploads anonymously).
    """
    stem = secrets.token_hex(16)
    public = photos.public_copy(raw)
    public_extension = "png" if public[:4] == b"\x89PNG" else "jpg"
    camera = " ".join(x for x in (info.camera_make, info.camera_model) if x)
    item.format = info.format
    item.width = info.width
    item.height = info.height
    item.size_bytes = info.size_bytes
    item.sha256 = info.sha256
    item.phash = info.phash
    item.taken_at = info.taken_at
    item.latitude = info.latitude
    item.longitude = info.longitude
    item.camera = camera[:80]
    item.uploaded_by = user if getattr(user, "is_authenticated", False) else None
    item.original.save(f"{stem}.{EXTENSIONS[info.format]}", ContentFile(raw), save=False)
    item.public.save(f"{stem}.{public_extension}", ContentFile(public), save=False)
    item.thumb.save(f"{stem}.jpg", ContentFile(photos.thumbnail(raw)), save=False)
    item.save()
    return item


def photo_response(photo: StoredPhoto, kind: str, download_stem: str) -> FileResponse:
    """Serve one file of a stored photo (``original``, ``public`` or ``thumb``) to someone
    the caller has already allowed; 404 when the file is gone.

    Private caching only; ``nosniff`` so the type is never guessed; the original is
    named ``<download_stem>.<extension>`` when saved.
    """
    stored = getattr(photo, kind)
    if kind == "original":
        content_type = photos.MIME_TYPES.get(photo.format, "application/octet-stream")
    else:
        content_type = "image/png" if stored.name.lower().endswith(".png") else "image/jpeg"
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    if kind == "original":
        extension = stored.name.rsplit(".", 1)[-1].lower()
        response["Content-Disposition"] = f'inline; filename="{download_stem}.{extension}"'
    return response
