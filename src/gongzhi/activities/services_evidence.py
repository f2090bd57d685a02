"""Photos that prove attendance and contributions, and the evidence checks on them.

Callers check uploads first with :func:`gongzhi.core.photo_store.photos_check`
(nothing is written if any is refused), then store them here inside their own
transaction. Storing raises the advisory flags of :func:`flag_photos`; the city
office reviews them with :func:`evidence_flag_review` (docs/evidence.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gongzhi.activities import queries_evidence as queries
from gongzhi.activities.models import (
    ActivityPhoto,
    Attendance,
    Contribution,
    EvidenceFlag,
    FlagKind,
    PhotoKind,
)
from gongzhi.campaigns.models import Session
from gongzhi.core.photo_store import CheckedPhoto, store_photo
from gongzhi.core.scoping import get_visible_or_404, scope_of

REVIEW_NOTE_MAX = EvidenceFlag._meta.get_field("review_note").max_length or 200


def activity_photos_store(
    *,
    user: Any,
    checked: Sequence[CheckedPhoto],
    kind: str,
    attendance: Attendance | None = None,
    contribution: Contribution | None = None,
) -> list[ActivityPhoto]:
    """Store checked photos of one attendance (before/after) or one contribution (receipt)
    and raise their evidence flags; returns the stored photos."""
    proof = attendance or contribution
    if proof is None or (attendance is not None and contribution is not None):
        raise ValueError("a photo proves exactly one attendance or one contribution")
    stored = [
        store_photo(
            ActivityPhoto(
                kind=kind,
                attendance=attendance,
                contribution=contribution,
                session_id=attendance.session_id if attendance is not None else None,
                unit_id=proof.unit_id,
                community_id=proof.community_id,
            ),
            photo.raw,
            photo.info,
            user,
        )
        for photo in checked
    ]
    flag_photos(stored)
    return stored


def flag_photos(photos: Sequence[ActivityPhoto]) -> list[EvidenceFlag]:
    """Raise the advisory flags on newly stored photos; nothing is ever refused.

    - *reused*: the nearest earlier activity photo that proves another attendance or
      contribution (so another session, unit or community, or another receipt) and
      whose perceptual hash lies within ``EVIDENCE_HASH_DISTANCE`` bits;
      ``distance`` is the bits they differ in.
    - *time_far*: a before/after photo of an attendance whose EXIF time (as a date in
      Asia/Shanghai) lies more than ``EVIDENCE_MAX_DAYS_FROM_SESSION`` days from the
      session date; ``distance`` is the days. Receipts and photos without an EXIF time
      are not time-checked.

    A photo never gets two flags of one kind, so calling this twice changes nothing.
    """
    stored = [p for p in photos if p.pk is not None]
    if not stored:
        return []
    already = set(EvidenceFlag.objects.filter(photo__in=stored).values_list("photo_id", "kind"))
    flags: list[EvidenceFlag] = []
    matches = queries.nearest_earlier_matches(
        [p for p in stored if (p.pk, FlagKind.REUSED) not in already]
    )
    for photo in stored:
        match = matches.get(photo.pk)
        if match is not None:
            flags.append(
                EvidenceFlag(
                    photo=photo,
                    other_id=match.other_id,
                    kind=FlagKind.REUSED,
                    distance=match.distance,
                )
            )
    flags.extend(_time_far_flags([p for p in stored if (p.pk, FlagKind.TIME_FAR) not in already]))
    return EvidenceFlag.objects.bulk_create(flags)


def _time_far_flags(photos: Sequence[ActivityPhoto]) -> list[EvidenceFlag]:
    # Receipts prove a payment, whose photo may rightly be taken any day.
    checked = [
        (photo, photo.session_id, photo.taken_at)
        for photo in photos
        if photo.kind != PhotoKind.RECEIPT and photo.attendance_id is not None
    ]
    session_ids = {session_id for _p, session_id, taken_at in checked if taken_at is not None}
    if not session_ids:
        return []
    limit = queries.max_days_from_session()
    dates = dict(Session.objects.filter(pk__in=session_ids).values_list("pk", "date"))
    flags = []
    for photo, session_id, taken_at in checked:
        if session_id is None or taken_at is None or session_id not in dates:
            continue
        days = queries.days_from_session(taken_at, dates[session_id])
        if days > limit:
            flags.append(EvidenceFlag(photo=photo, kind=FlagKind.TIME_FAR, distance=days))
    return flags


@transaction.atomic
def evidence_flag_review(user: Any, flag_id: int | str, note: str) -> EvidenceFlag:
    """Mark an evidence flag reviewed, with the office's note on what was found.

    Only the city office reviews (others: ``PermissionDenied``); an unknown flag is
    404. The note is required; a flag already reviewed keeps its first review.
    """
    if not scope_of(user).is_office:
        raise PermissionDenied(_("Only the city office reviews evidence flags."))
    flag = get_visible_or_404(
        queries.flags_visible_to(user)
        .select_for_update(of=("self",))
        .select_related("reviewed_by"),
        pk=flag_id,
    )
    text = (note or "").strip()
    if not text:
        raise ValidationError({"note": [_("Write what the review found.")]})
    if len(text) > REVIEW_NOTE_MAX:
        raise ValidationError(
            {
                "note": [
                    _("Write at most %(max)d characters (it has %(n)d).")
                    % {"max": REVIEW_NOTE_MAX, "n": len(text)}
                ]
            }
        )
    if flag.reviewed_at is not None:
        raise ValidationError(
            {
                "flag": [
                    _("This flag was already reviewed by %(who)s on %(when)s.")
                    % {
                        "who": flag.reviewed_by or "—",
                        "when": date_format(
                            timezone.localtime(flag.reviewed_at), "SHORT_DATETIME_FORMAT"
                        ),
                    }
                ]
            }
        )
    flag.reviewed_by = user
    flag.reviewed_at = timezone.now()
    flag.review_note = text
    flag.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    return flag
