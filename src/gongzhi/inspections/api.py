"""REST resources of inspection: rounds, groups, inspections, rankings."""

from __future__ import annotations

from ninja import Router

from gongzhi.inspections.api_inspections import router as inspections_router
from gongzhi.inspections.api_rankings import router as rankings_router
from gongzhi.inspections.api_rounds import router as rounds_router

router = Router()
router.add_router("/", rounds_router)
router.add_router("/", inspections_router)
router.add_router("/", rankings_router)
