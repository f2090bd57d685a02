"""REST resources of the problem ledger: problems, their transitions, categories."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["problems"])
