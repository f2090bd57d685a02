"""Fixtures of the statistics tests: the hand-built city of ``fixtures_figures``."""

from __future__ import annotations

import pytest

from tests.stats.fixtures_figures import FigureCity, build_figure_city


@pytest.fixture
def city(db: None) -> FigureCity:
    """The small city whose figures ``tests/stats/fixtures_figures.py`` works out by hand."""
    return build_figure_city()
