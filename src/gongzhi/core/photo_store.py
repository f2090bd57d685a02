"""Writing an accepted photo: the original, a public copy and a thumbnail, under random names.

The apps check uploads with :func:`gongzhi.core.photos.inspect_photo` first (before
anything is written) and then hand each one here with the model row that keeps it.
"""

from __future__ import annotations

import secrets
from typing import Any, TypeVar

from django.core.files.base import ContentFile
from django.http import FileResponse, Http404

from gongzhi.core import photos
from gongzhi.core.models import StoredPhoto

P = TypeVar("P", bound=StoredPhoto)

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


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
