"""Demo photos on attendance: a dozen small generated pictures, three of them suspect.

Most are before/after photos of the demo unit in the demo community, at the
first September 2021 session and at the last sessions, so the demo logins see
them. Three are there for the evidence checks to find:

- 市城管执法委 hands in its 2021-09-10 "after" photo again for 2021-09-24, re-saved
  and smaller (the same photo in another session);
- 市中医医院 hands in 市人社局's photo of an earlier session in the same community
  (another unit, another session);
- 市水利和湖泊局's photo of 2021-10-08 was taken weeks before the session (EXIF).

They are stored like any upload (``photos_check`` then
``services_evidence.activity_photos_store``, which raises the evidence flags),
oldest session first, so that a copy always comes after its original.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from PIL import ExifTags, Image, ImageDraw, ImageFont

from gongzhi.activities.models import ActivityPhoto, Attendance, EvidenceFlag, PhotoKind
from gongzhi.activities.services_evidence import activity_photos_store
from gongzhi.core.photo_store import photos_check
from gongzhi.demo.accounts import DEMO_COMMUNITY

if TYPE_CHECKING:
    from gongzhi.campaigns.models import Session
    from gongzhi.demo.activities import DemoSessions
    from gongzhi.demo.activities_attendance import Key

SIZE = (640, 480)
SHAPES = 25
COPY_QUALITY = 60

MARKET = "11421300315206556J"  # 市市场监管局, the demo unit
URBAN = "114213003204430039"  # 市城管执法委
WATER = "114213003162538480"  # 市水利和湖泊局
HOUSING = "11421300317301135H"  # 市住建局
LABOUR = "11421300347672543E"  # 市人社局
TCM = "12421300394800595Y"  # 市中医医院


@dataclass(frozen=True)
class _Slot:
    """One photo: its session (an ISO date, or -n for the n-th last session held), unit,
    community and kind; ``scene`` picks the picture (a copy repeats its original's)."""

    session: str
    unit: str
    community: str
    kind: str
    scene: int
    copy: bool = False  # re-saved at a lower quality, half the size, without EXIF
    taken_days_before: int = 0  # EXIF time this many days before the session


B, A = PhotoKind.BEFORE, PhotoKind.AFTER
SLOTS = (
    _Slot("2021-09-10", MARKET, DEMO_COMMUNITY, B, 1),
    _Slot("2021-09-10", MARKET, DEMO_COMMUNITY, A, 2),
    _Slot("2021-09-10", URBAN, "421303001006", A, 3),
    _Slot("2021-09-24", URBAN, "421303001006", A, 3, copy=True),
    _Slot("2021-10-08", WATER, "421303001002", A, 4, taken_days_before=45),
    _Slot("2021-10-08", HOUSING, "421303001003", B, 5),
    _Slot("-3", LABOUR, DEMO_COMMUNITY, A, 6),
    _Slot("-2", MARKET, DEMO_COMMUNITY, B, 7),
    _Slot("-2", MARKET, DEMO_COMMUNITY, A, 8),
    _Slot("-2", TCM, DEMO_COMMUNITY, A, 6, copy=True),
    _Slot("-1", MARKET, DEMO_COMMUNITY, B, 9),
    _Slot("-1", MARKET, DEMO_COMMUNITY, A, 10),
)


@dataclass(frozen=True)
class PhotosLoaded:
    photos: int
    flags: int


def needed(ctx: DemoSessions) -> set[tuple[dt.date, str, str]]:
    """The attendance the photos hang on (session date, unit code, community code)."""
    return {
        (session.date, slot.unit, slot.community)
        for slot in SLOTS
        if (session := _session(ctx, slot)) is not None
    }


def load(ctx: DemoSessions, attendance: dict[Key, int]) -> PhotosLoaded:
    """Store the photos not stored yet; returns how many there are and their flags."""
    unit_pk = {u.code: u.pk for u in ctx.units.values()}
    community_pk = {c.code: c.pk for c in ctx.communities.values()}
    wanted: list[tuple[_Slot, Session, int]] = []
    for slot in SLOTS:
        session = _session(ctx, slot)
        key = (
            session.pk if session else 0,
            unit_pk.get(slot.unit, 0),
            community_pk.get(slot.community, 0),
        )
        if session is not None and key in attendance:
            wanted.append((slot, session, attendance[key]))
    rows = Attendance.objects.in_bulk([pk for _s, _x, pk in wanted])
    placed = [(slot, session, rows[pk]) for slot, session, pk in wanted]
    placed.sort(key=lambda item: item[1].date)
    have = set(
        ActivityPhoto.objects.filter(attendance__in=[a for _s, _x, a in placed]).values_list(
            "attendance_id", "kind"
        )
    )
    liaison = ctx.users.get("unit")
    uploaded: list[tuple[ActivityPhoto, Attendance]] = []
    for slot, session, row in placed:
        if (row.pk, slot.kind) in have:
            continue
        raw = _photo(slot, session, ctx)
        user = liaison if row.unit_id == ctx.demo_unit.pk else None
        stored = activity_photos_store(
            user=user, checked=photos_check([raw]), kind=slot.kind, attendance=row
        )
        uploaded += [(photo, row) for photo in stored]
        have.add((row.pk, slot.kind))
    # Uploaded the evening of the session, like the attendance each proves. Only now: the
    # evidence checks compare a photo with those uploaded in the months before it.
    for photo, row in uploaded:
        ActivityPhoto.objects.filter(pk=photo.pk).update(created_at=row.created_at)
    photos = ActivityPhoto.objects.filter(attendance__in=[a for _s, _x, a in placed])
    return PhotosLoaded(
        photos=photos.count(), flags=EvidenceFlag.objects.filter(photo__in=photos).count()
    )


def _session(ctx: DemoSessions, slot: _Slot) -> Session | None:
    if slot.session.startswith("-"):
        back = int(slot.session[1:])
        return ctx.held[-back] if len(ctx.held) >= back else None
    day = dt.date.fromisoformat(slot.session)
    return next((s for s in ctx.held if s.date == day), None)


def _photo(slot: _Slot, session: Session, ctx: DemoSessions) -> bytes:
    """A JPEG of a busy scene (a smooth gradient would make perceptual hashes unstable)."""
    original_session = session
    if slot.copy:
        original = next(s for s in SLOTS if s.scene == slot.scene and not s.copy)
        original_session = _session(ctx, original) or session
    rng = random.Random(f"demo-photo:{slot.scene}")  # noqa: S311 - demo data
    image = Image.new("RGB", SIZE, _colour(rng))
    draw = ImageDraw.Draw(image)
    for _ in range(SHAPES):
        x, y = rng.randrange(SIZE[0]), rng.randrange(SIZE[1])
        w, h = rng.randint(30, 220), rng.randint(30, 180)
        draw.ellipse((x, y, x + w, y + h), fill=_colour(rng))
    label = f"{original_session.date:%Y-%m-%d} {slot.kind}"
    draw.text((24, SIZE[1] - 60), label, fill="white", font=ImageFont.load_default(size=36))
    out = io.BytesIO()
    if slot.copy:
        image = image.resize((SIZE[0] // 2, SIZE[1] // 2), Image.Resampling.LANCZOS)
        image.save(out, "JPEG", quality=COPY_QUALITY)
        return out.getvalue()
    taken = timezone.localtime(
        timezone.make_aware(
            dt.datetime.combine(
                session.date - dt.timedelta(days=slot.taken_days_before),
                dt.time(15 if slot.kind == PhotoKind.BEFORE else 17, rng.randrange(60)),
            )
        )
    )
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HUAWEI"
    exif[ExifTags.Base.Model] = "P40"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = f"{taken:%Y:%m:%d %H:%M:%S}"
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randrange(256), rng.randrange(256), rng.randrange(256))
