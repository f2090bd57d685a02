"""Reading the demo's CSV files (first line: a comment naming the source)."""

from __future__ import annotations

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_csv(name: str) -> list[dict[str, str]]:
    """The rows of ``data/<name>``, skipping ``#`` comment lines."""
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return [dict(row) for row in csv.DictReader(lines)]
