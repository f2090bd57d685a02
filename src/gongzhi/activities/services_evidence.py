"""Photos that prove attendance and contributions, and the evidence checks on them.

Callers check uploads first with :func:`gongzhi.problems.services.photos_check`
(nothing is written if any is refused), then store them here inside their own
transaction. Storing raises the advisory flags of :func:`flag_photos`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gongzhi.activities.models import ActivityPhoto, Attendance, Contribution, EvidenceFlag
from gongzhi.core.photo_store import store_photo
from gongzhi.problems.services import _CheckedPhoto


def activity_photos_store(
    *,
    user: Any,
    checked: Sequence[_CheckedPhoto],
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
    """Raise the advisory flags on newly stored photos (filled in by the evidence checks)."""
    return []
