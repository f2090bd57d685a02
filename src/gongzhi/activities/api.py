"""REST resources of the Friday sessions: attendance, check-ins, contributions."""

from __future__ import annotations

from ninja import Router

from gongzhi.activities.api_attendance import router as attendance_router
from gongzhi.activities.api_checkin import router as checkin_router
from gongzhi.activities.api_funds import router as funds_router

router = Router()
router.add_router("/", attendance_router)
router.add_router("/", checkin_router)
router.add_router("/", funds_router)
