"""Shared fixtures: named users per role, an API client with a token, the browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from gongzhi.core import services as core_services
from tests import factories

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def _media_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_in_a_temporary_directory(settings: Any, _media_dir: Any) -> None:
    """Uploaded photos go to a throw-away directory, never to ./var/media."""
    settings.MEDIA_ROOT = _media_dir


@pytest.fixture(autouse=True)
def _english_unless_asked(settings: Any) -> None:
    """Tests read messages in English; tests of the Chinese UI switch to zh-hans themselves."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def chinese(settings: Any) -> None:
    """Serve and validate in zh-hans, the product's default language."""
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def world(db: None) -> factories.World:
    """A small city: two districts, streets, communities, units, pairings, a user per role."""
    return factories.build_world()


@pytest.fixture
def api_client() -> Callable[[Any], Client]:
    """``api_client(user)``: a test client that sends a bearer token for ``user``."""

    def make(user: Any) -> Client:
        key = core_services.api_token_create(user=user, name="test")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return make


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI and is missing at {CHROMIUM}")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI nothing may be skipped: a missing browser or database is a failure."""
    if not os.environ.get("CI") or hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"CI: {len(skipped)} test(s) skipped; in CI that is a failure.", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
