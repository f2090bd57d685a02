"""Fixtures of the campaign tests: the Friday campaign of the reference city."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path
from typing import Any

import pytest

from gongzhi.campaigns import services
from gongzhi.campaigns.models import Campaign
from tests.factories import World


@pytest.fixture(autouse=True)
def english_by_default(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read English text unless they ask for another language."""
    settings.LANGUAGE_CODE = "en"
    monkeypatch.delenv("LANGUAGE", raising=False)


@pytest.fixture
def campaign(world: World) -> Campaign:
    """2nd and 4th Friday, 14:30–17:30, from 2021-07-01, holidays skipped; two communities."""
    return services.campaign_create(
        user=world.users["office"],
        values={
            "slug": "friday",
            "name": "周五环境治理活动",
            "start": "2021-07-01",
            "weekday": 5,
            "nth": [2, 4],
            "mode": "nth_weekday",
            "start_time": "14:30",
            "end_time": "17:30",
            "holiday_policy": "skip",
            "community_codes": [world.community_a1.code, world.community_b1.code],
        },
    )


@pytest.fixture
def synced(world: World, campaign: Campaign) -> Campaign:
    """The campaign with its sessions generated up to the end of 2027."""
    services.campaign_sessions_sync(
        user=None, campaign=campaign, until=dt.date(2027, 12, 31), confirm=True
    )
    return campaign


#: What the translator will put in the zh_Hans catalogue for the schedule's reasons.
ZH_HANS = {
    "Mid-Autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Spring Festival": "春节",
    "%(holiday)s: %(move)s": "%(holiday)s：%(move)s",
    "%(holiday)s: skipped": "%(holiday)s：停开",
    "moved to the next working day": "顺延至下一个工作日",
    "moved to the previous working day": "提前至上一个工作日",
    "rule date %(slot)s": "规则日期 %(slot)s",
}


def write_mo(path: Path, messages: dict[str, str]) -> None:
    """Write a GNU gettext catalogue (.mo) holding ``messages`` (UTF-8)."""
    entries = {"": "Content-Type: text/plain; charset=UTF-8\n", **messages}
    keys = sorted(entries)
    ids = [k.encode() for k in keys]
    strs = [entries[k].encode() for k in keys]
    count = len(keys)
    header = 7 * 4
    ids_table, strs_table = header, header + count * 8
    data_start = strs_table + count * 8
    blob = b""
    id_offsets, str_offsets = [], []
    for text in ids:
        id_offsets.append((len(text), data_start + len(blob)))
        blob += text + b"\0"
    for text in strs:
        str_offsets.append((len(text), data_start + len(blob)))
        blob += text + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, count, ids_table, strs_table, 0, 0)
    out += b"".join(struct.pack("<2I", *pair) for pair in id_offsets)
    out += b"".join(struct.pack("<2I", *pair) for pair in str_offsets)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out + blob)


@pytest.fixture
def zh_catalogue(tmp_path: Path, settings: Any) -> dict[str, str]:
    """A zh_Hans catalogue with the reasons' translations, put ahead of the project's."""
    write_mo(tmp_path / "zh_Hans" / "LC_MESSAGES" / "django.mo", ZH_HANS)
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]
    return ZH_HANS
