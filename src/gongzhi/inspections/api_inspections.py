"""REST resources: api_inspections."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["inspections"])
