"""The demo city, loaded once per test module and rolled back afterwards."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from gongzhi.demo.loader import load_demo


@pytest.fixture(scope="module")
def demo_city(
    django_db_setup: None, django_db_blocker: Any, _media_dir: Any
) -> Iterator[dict[str, Any]]:
    """What ``load_demo`` returned, plus its printed ``output``.

    The load runs inside a transaction that is rolled back when the module's
    tests are done, so the demo never leaks into other tests; each test runs
    in a savepoint inside it. The demo's photos go to the tests' media directory.
    """
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=_media_dir,
    )
    # The summary is printed in English, like every test reads messages (see tests/conftest.py).
    with django_db_blocker.unblock(), fast, translation.override("en"), transaction.atomic():
        out = io.StringIO()
        summary = load_demo(out)
        summary["output"] = out.getvalue()
        try:
            yield summary
        finally:
            transaction.set_rollback(True)
