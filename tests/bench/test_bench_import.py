"""The attendance import benchmark's code, run on a tiny sheet so it cannot rot (no timing)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import import_attendance as bench

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> bench.BenchWorld:
    return bench.setup_world(units=3, communities=4, per_unit=2, sessions=2)


def test_the_sheet_has_every_pairing_at_every_session(world: bench.BenchWorld) -> None:
    rows = bench.sheet_rows(world, 12)

    assert len({(r[1], r[2], r[3]) for r in rows}) == 12
    with pytest.raises(ValueError, match="gives 12 rows"):
        bench.sheet_rows(world, 13)


def test_ours_and_the_peer_import_the_same_sheet_to_the_same_rows(
    world: bench.BenchWorld, tmp_path: Path
) -> None:
    rows = bench.sheet_rows(world, 12)
    sheet = bench.write_sheet(tmp_path / "attendance.xlsx", rows)
    person_times = sum(r[4] for r in rows)

    _seconds, outcome = bench.run_ours(sheet, world)
    ours = bench.attendance_count(world)
    _seconds, again = bench.run_ours(sheet, world)
    bench.clear(world)
    cleared = bench.attendance_count(world)
    _seconds, result = bench.run_peer(sheet, world)
    peer = bench.attendance_count(world)

    assert outcome.created == 12
    assert ours == (12, person_times, 12)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 12)
    assert cleared == (0, 0, 0)
    assert result.totals["new"] == 12
    assert peer == (12, person_times, 12)


def test_the_peer_in_bulk_mode_writes_no_history(world: bench.BenchWorld, tmp_path: Path) -> None:
    sheet = bench.write_sheet(tmp_path / "attendance.xlsx", bench.sheet_rows(world, 6))

    bench.run_peer(sheet, world, use_bulk=True)

    assert bench.attendance_count(world)[0::2] == (6, 0)


def test_the_setup_can_run_again_without_duplicating_anything(world: bench.BenchWorld) -> None:
    again = bench.setup_world(units=3, communities=4, per_unit=2, sessions=2)

    assert (again.units, again.communities, again.sessions) == (
        world.units,
        world.communities,
        world.sessions,
    )


def test_the_last_three_lines_give_both_rates_and_their_ratio() -> None:
    lines = bench.report(25_000.4, 812.2)

    assert lines == [
        "ours: 25,000 rows/s",
        "django-import-export: 812 rows/s",
        "ratio: 30.8",
    ]
    assert all(re.fullmatch(r"[a-z-]+: [\d,.]+( rows/s)?", line) for line in lines)
