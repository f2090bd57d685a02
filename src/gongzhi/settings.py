"""Settings for gongzhi, read from environment variables.

With no environment at all, gongzhi runs on SQLite in ``GONGZHI_DATA_DIR``
(default ``./var``) with a local huey queue, so a checkout just works.
Production sets ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY`` and
``ALLOWED_HOSTS`` (see docs/operations.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("GONGZHI_DATA_DIR", "var")).resolve()
# The embedded database and task queue live here; they cannot open a missing folder.
DATA_DIR.mkdir(parents=True, exist_ok=True)

# A placeholder key is used until `gongzhi serve` or `gongzhi demo` sets a real one;
# `serve` refuses to start with it (see gongzhi.cli).
INSECURE_KEY_PREFIX = "insecure-"
SECRET_KEY = os.environ.get("SECRET_KEY") or INSECURE_KEY_PREFIX + "development-only-key"
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "simple_history",
    "axes",
    "huey.contrib.djhuey",
    "gongzhi.core",
    "gongzhi.areas",
    "gongzhi.units",
    "gongzhi.campaigns",
    "gongzhi.problems",
    "gongzhi.activities",
    "gongzhi.inspections",
    "gongzhi.stats",
    "gongzhi.imports",
    "gongzhi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "gongzhi.core.middleware.RefuseNulInPathMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns lock-outs into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongzhi.core.context.navigation",
            ],
        },
    }
]

DATA_DIR_SQLITE = DATA_DIR / "gongzhi.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR_SQLITE}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE avoids
        # "database is locked" upgrades inside transactions.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: after AXES_FAILURE_LIMIT failures for one username from one
# address the account is locked for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gongzhi.core.lockout.lockout_response"
AXES_VERBOSE = False

# Sessions end after SESSION_HOURS of inactivity and when the browser closes.
SESSION_COOKIE_AGE = envint("SESSION_HOURS", 8) * 3600
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = envbool("SECURE_COOKIES", not DEBUG and bool(os.environ.get("SECRET_KEY")))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if envbool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"

# Media (photos, receipts, issued bulletins, import files) stay in the data directory,
# or go to S3-compatible object storage with MEDIA_STORAGE=s3 (the `s3` extra installs
# django-storages). Files are always served through gongzhi's own checks, never public.
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "local")
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", ""),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif MEDIA_STORAGE != "local":
    raise ImproperlyConfigured(
        f"MEDIA_STORAGE is {MEDIA_STORAGE!r}: use 'local' (the default) or 's3'."
    )

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "gongzhi",
        "url": REDIS_URL,
        "immediate": False,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "gongzhi",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": False,
    }

# Map tiles for Leaflet. Empty: outlines are drawn on a blank background.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")

# Photos: larger files and images with more pixels are refused (gongzhi.core.photos).
PHOTO_MAX_BYTES = envint("PHOTO_MAX_MB", 10) * 1024 * 1024
PHOTO_MAX_PIXELS = envint("PHOTO_MAX_MEGAPIXELS", 40) * 1_000_000
# Uploads above this size go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Page size of list pages and API lists.
PAGE_SIZE = envint("PAGE_SIZE", 50)
# Reports one address may send through the public page per hour.
PUBLIC_REPORT_PER_HOUR = envint("PUBLIC_REPORT_PER_HOUR", 10)

# The Friday sessions (docs/sessions.md, volunteer-hours.md, funds.md, evidence.md).
ATTENDANCE_EDIT_DAYS = envint("ATTENDANCE_EDIT_DAYS", 7)
CONTRIBUTION_EDIT_DAYS = envint("CONTRIBUTION_EDIT_DAYS", 30)
CHECKIN_OPEN_MINUTES_BEFORE = envint("CHECKIN_OPEN_MINUTES_BEFORE", 60)
CHECKIN_CLOSE_MINUTES_AFTER = envint("CHECKIN_CLOSE_MINUTES_AFTER", 120)
CHECKIN_MARGIN_M = envint("CHECKIN_MARGIN_M", 200)
CHECKIN_GAP_RATIO = float(os.environ.get("CHECKIN_GAP_RATIO", "0.5"))
VOLUNTEER_CERT_ISSUER = os.environ.get("VOLUNTEER_CERT_ISSUER", "")
VOLUNTEER_CERT_PREFIX = os.environ.get("VOLUNTEER_CERT_PREFIX", "ZYSC")
VOLUNTEER_CERT_DOCX_TEMPLATE = os.environ.get("VOLUNTEER_CERT_DOCX_TEMPLATE", "")
VOLUNTEER_CERT_HTML_TEMPLATE = os.environ.get("VOLUNTEER_CERT_HTML_TEMPLATE", "")
CERTIFICATE_PDF_FONT = os.environ.get("CERTIFICATE_PDF_FONT", "")
# Bulletins (docs/bulletins.md, docs/bulletin-template.md): the office's own Word template
# replaces the shipped one when this names a .docx file.
BULLETIN_DOCX_TEMPLATE = os.environ.get("BULLETIN_DOCX_TEMPLATE", "")
# The red header of a new bulletin (e.g. 随州市创城工作指挥部办公室); empty: the last one used.
BULLETIN_ISSUER = os.environ.get("BULLETIN_ISSUER", "")
# The big screen (docs/dashboards.md) fetches its figures again this often.
STATS_SCREEN_REFRESH_SECONDS = envint("STATS_SCREEN_REFRESH_SECONDS", 60)
EVIDENCE_HASH_DISTANCE = envint("EVIDENCE_HASH_DISTANCE", 10)
EVIDENCE_WINDOW_DAYS = envint("EVIDENCE_WINDOW_DAYS", 365)
EVIDENCE_MAX_DAYS_FROM_SESSION = envint("EVIDENCE_MAX_DAYS_FROM_SESSION", 3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Imports (docs/imports.md, docs/operations.md): larger files, more rows, or an xlsx
# that would unpack beyond IMPORT_MAX_UNZIPPED_MB, are refused before any row is read.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_MB", 20) * 1024 * 1024
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_UNZIPPED_BYTES = envint("IMPORT_MAX_UNZIPPED_MB", 400) * 1024 * 1024
# Files with more data rows than this run in the background (a worker) with a progress bar.
IMPORT_BACKGROUND_ROWS = envint("IMPORT_BACKGROUND_ROWS", 2_000)
