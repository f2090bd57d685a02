"""Date pickers keep ISO values in every language (the browser's picker needs them)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from gongzhi.core.forms import DateInput
from tests.factories import World


def test_the_widget_writes_iso_dates_in_chinese_too() -> None:
    with translation.override("zh-hans"):
        html = DateInput().render("start", dt.date(2021, 7, 1))
    assert 'type="date"' in html
    assert 'value="2021-07-01"' in html


@pytest.mark.django_db
def test_a_bulletin_drafted_from_a_dashboard_keeps_its_period_in_zh_hans(
    world: World, chinese: None
) -> None:
    client = Client()
    client.force_login(world.users["office"])
    html = client.get(
        reverse("stats:bulletin_new"), {"start": "2021-07-01", "end": "2021-10-31"}
    ).content.decode()
    assert re.search(r'name="start" value="2021-07-01"', html)
    assert re.search(r'name="end" value="2021-10-31"', html)
