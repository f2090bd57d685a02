"""Settings come from the environment; the embedded default is SQLite in WAL mode."""

import importlib
import sqlite3

import pytest
from django.db.backends.sqlite3.base import DatabaseWrapper


def load_settings(monkeypatch, tmp_path, **env):
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(tmp_path))
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "TIME_ZONE", "ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import gongzhi.settings as module

    return importlib.reload(module)


@pytest.fixture(autouse=True)
def _restore_settings_module():
    yield
    import gongzhi.settings as module

    importlib.reload(module)


def test_no_environment_means_sqlite_in_the_data_directory(monkeypatch, tmp_path):
    conf = load_settings(monkeypatch, tmp_path)
    db = conf.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "gongzhi.sqlite3")
    assert conf.HUEY["huey_class"] == "huey.SqliteHuey"
    assert conf.TIME_ZONE == "Asia/Shanghai"
    assert conf.DEBUG is False


def test_the_sqlite_database_runs_in_wal_mode(monkeypatch, tmp_path, django_db_blocker):
    conf = load_settings(monkeypatch, tmp_path)
    settings_dict = {**conf.DATABASES["default"], "TIME_ZONE": None, "AUTOCOMMIT": True}
    settings_dict.setdefault("TEST", {})
    wrapper = DatabaseWrapper(settings_dict, alias="wal-check")
    with django_db_blocker.unblock(), wrapper.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    wrapper.close()
    assert (
        sqlite3.connect(tmp_path / "gongzhi.sqlite3").execute("PRAGMA journal_mode").fetchone()[0]
        == "wal"
    )


def test_database_url_and_redis_url_switch_to_postgres_and_redis(monkeypatch, tmp_path):
    conf = load_settings(
        monkeypatch,
        tmp_path,
        DATABASE_URL="postgres://gz:pw@db.example:5432/gongzhi",
        REDIS_URL="redis://cache.example:6379/0",
        TIME_ZONE="UTC",
        ALLOWED_HOSTS="a.example, b.example",
    )
    db = conf.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["NAME"], db["USER"]) == ("db.example", "gongzhi", "gz")
    assert conf.HUEY["huey_class"] == "huey.RedisHuey"
    assert conf.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert conf.TIME_ZONE == "UTC"
    assert conf.ALLOWED_HOSTS == ["a.example", "b.example"]


def test_a_real_secret_key_turns_secure_cookies_on(monkeypatch, tmp_path):
    conf = load_settings(monkeypatch, tmp_path, SECRET_KEY="x" * 50)
    assert conf.SESSION_COOKIE_SECURE and conf.CSRF_COOKIE_SECURE
