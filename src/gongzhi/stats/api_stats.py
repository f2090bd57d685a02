"""REST routes (filled in by its module)."""

from ninja import Router

router = Router()
