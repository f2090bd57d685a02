"""REST resources of the figures: ``stats/summary|units|communities`` and ``bulletins``."""

from __future__ import annotations

from ninja import Router

from gongzhi.stats.api_bulletins import router as bulletins_router
from gongzhi.stats.api_stats import router as stats_router

router = Router()
router.add_router("/", stats_router)
router.add_router("/", bulletins_router)
