"""`gongzhi demo` loads the city idempotently, quickly, and prints the logins."""

from __future__ import annotations

import io
from typing import Any

from django.apps import apps
from django.core.management import call_command

from gongzhi.demo.accounts import DEMO_PASSWORD, DEMO_USERS
from gongzhi.demo.loader import load_demo


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_loading_the_demo_twice_leaves_every_table_with_the_same_row_count(
    demo_city: dict[str, Any], db: None
) -> None:
    before = _row_counts()
    summary = load_demo(io.StringIO())
    after = _row_counts()
    assert after == before
    assert summary["sessions_changed"] == 0


def test_history_tables_are_among_the_tables_compared(demo_city: dict[str, Any], db: None) -> None:
    counts = _row_counts()
    assert counts["units.HistoricalUnit"] >= 102
    assert counts["areas.HistoricalCommunity"] >= 60


def test_the_management_command_loads_the_same_city_again_without_changes(
    demo_city: dict[str, Any], db: None
) -> None:
    before = _row_counts()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert _row_counts() == before
    assert DEMO_PASSWORD in out.getvalue()


def test_loading_the_demo_takes_well_under_thirty_seconds(demo_city: dict[str, Any]) -> None:
    assert demo_city["seconds"] < 30


def test_the_printed_summary_lists_every_login_the_password_and_the_site(
    demo_city: dict[str, Any],
) -> None:
    output = demo_city["output"]
    for username in DEMO_USERS:
        assert f"  {username} " in output
    assert DEMO_PASSWORD in output
    assert "http://127.0.0.1:" in output
    assert "102" in output


def test_the_summary_returns_the_logins_with_role_and_scope(demo_city: dict[str, Any]) -> None:
    logins = {login.username: login for login in demo_city["logins"]}
    assert set(logins) == set(DEMO_USERS)
    assert logins["district"].scope == "曾都区"
    assert logins["street"].scope == "西城街道"
    assert logins["unit"].scope == "市市场监管局"
    assert demo_city["password"] == DEMO_PASSWORD
