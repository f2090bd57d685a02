"""The bulletin's charts: PNG images with Chinese labels drawn in a CJK font (no empty boxes)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from matplotlib import font_manager
from PIL import Image

from gongzhi.core.documents import FontMissing
from gongzhi.stats import charts

SERIES = [
    {"date": "2021-07-09", "person_times": 800},
    {"date": "2021-07-23", "person_times": 760},
    {"date": "2021-08-13", "person_times": 830},
]
CATEGORIES = [
    {"name": "垃圾死角", "reported": 20, "closed": 18},
    {"name": "楼栋“牛皮癣”小广告", "reported": 12, "closed": 9},
    {"name": "毁绿种菜", "reported": 0, "closed": 0},
]


def drawn(make: Callable[[], bytes]) -> tuple[Image.Image, list[str]]:
    """The chart as an image, and the warnings of glyphs missing from its font."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        body = make()
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    return Image.open(io.BytesIO(body)).convert("RGB"), missing


def red_pixels(image: Image.Image) -> int:
    raw = image.tobytes()
    return sum(
        1 for i in range(0, len(raw), 3) if raw[i] > 150 and raw[i + 1] < 60 and raw[i + 2] < 60
    )


def test_the_sessions_chart_draws_a_red_bar_per_session_with_every_character() -> None:
    image, missing = drawn(lambda: charts.sessions_chart(SERIES))
    assert missing == []
    assert image.width > 600 and image.height > 250
    assert red_pixels(image) > 5_000


def test_the_categories_chart_draws_chinese_category_names_with_every_character() -> None:
    image, missing = drawn(lambda: charts.categories_chart(CATEGORIES))
    assert missing == []
    assert red_pixels(image) > 1_000


def test_a_chart_without_data_is_still_an_image() -> None:
    image, missing = drawn(lambda: charts.sessions_chart([]))
    assert missing == []
    assert image.width > 100
    assert red_pixels(image) == 0


def test_a_font_without_chinese_glyphs_would_be_noticed(monkeypatch: Any) -> None:
    latin = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    monkeypatch.setattr(charts, "chart_font_path", lambda family=None: latin)
    _image, missing = drawn(lambda: charts.categories_chart(CATEGORIES))
    assert missing


def test_a_missing_chart_font_is_named() -> None:
    with pytest.raises(FontMissing) as caught:
        charts.chart_font_path("No Such Font 42")
    assert '"No Such Font 42"' in str(caught.value)
    assert charts.chart_font_path().endswith((".ttc", ".otf", ".ttf"))
