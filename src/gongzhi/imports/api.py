"""REST resource ``imports``: upload a file, follow its job, fetch its error file."""

from __future__ import annotations

from ninja import Router

from gongzhi.imports.api_imports import router as imports_router

router = Router()
router.add_router("/", imports_router)
