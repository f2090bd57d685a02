"""Backup and restore of the whole installation: the database's rows and the media files.

A backup is one zip file: ``manifest.json`` (format, when, the schema each app was
at, row counts), ``data.json`` (every row, as Django's serialiser writes it, with
natural keys for content types and permissions so that it loads into any freshly
migrated database, SQLite or PostgreSQL) and ``media/…`` (photos, receipts, issued
bulletins, import files) read through the storage, so object storage works as well
as a local directory.

A restore goes into a database at the same migrations that holds no data of ours
yet; it loads everything in one transaction (all or nothing) and then writes the
media files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "gongzhi-backup/1"

#: Rows that are rebuilt by migrations or are only transient: never backed up.
EXCLUDED = (
    "contenttypes",
    "auth.permission",
    "sessions",
    "admin.logentry",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
)


class BackupError(Exception):
    """A backup file that cannot be restored here, with the reason in the user's language."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    rows: int
    files: int


def _migrations() -> dict[str, str]:
    """The latest applied migration of each app."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return latest


def _media_files(folder: str = "") -> Iterator[str]:
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(dirs):
        yield from _media_files(f"{folder}/{name}" if folder else name)


def _counts() -> dict[str, int]:
    excluded = {e for e in EXCLUDED if "." in e}
    excluded_apps = {e for e in EXCLUDED if "." not in e}
    counts = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in excluded_apps or label in excluded:
            continue
        if model._meta.proxy or not model._meta.managed:
            continue
        counts[label] = model._default_manager.count()
    return counts


def backup_write(path: Path) -> BackupInfo:
    """Write the backup of this installation to ``path`` (a zip), atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.json"
        call_command(
            "dumpdata",
            exclude=list(EXCLUDED),
            natural_foreign=True,
            output=str(data),
            verbosity=0,
        )
        counts = _counts()
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": connection.vendor,
            "migrations": _migrations(),
            "rows": counts,
        }
        partial = path.with_name(path.name + ".partial")
        files = 0
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
            archive.write(data, "data.json")
            for name in _media_files():
                with default_storage.open(name, "rb") as handle:
                    archive.writestr(f"media/{name}", handle.read())
                files += 1
        os.replace(partial, path)
    return BackupInfo(path=path, rows=sum(counts.values()), files=files)


def _read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError) as exc:
        raise BackupError(_("This is not a gongzhi backup: it has no readable manifest.")) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(
            _("This backup's format “%(format)s” is not one this version reads.")
            % {"format": manifest.get("format")}
        )
    return dict(manifest)


def _check_schema(manifest: dict[str, Any]) -> None:
    here = _migrations()
    differing = sorted(
        app
        for app in set(here) | set(manifest.get("migrations", {}))
        if here.get(app) != manifest.get("migrations", {}).get(app)
    )
    if differing:
        raise BackupError(
            _(
                "The backup was made at other migrations than this database has "
                "(%(apps)s); restore it with the version of gongzhi that made it."
            )
            % {"apps": ", ".join(differing)}
        )


#: Tables only people fill: a database with rows in any of them is in use. (Migrations
#: seed others, such as the categories; the backup's rows replace those, key for key.)
IN_USE = ("core.user", "areas.district", "units.unit", "campaigns.campaign", "problems.problem")


def _check_empty() -> None:
    holding = [label for label in IN_USE if apps.get_model(label)._default_manager.exists()]
    if holding:
        raise BackupError(
            _(
                "The database already holds data (%(tables)s): restore into a new, "
                "migrated database."
            )
            % {"tables": ", ".join(holding[:5])}
        )


def backup_restore(path: Path) -> BackupInfo:
    """Restore the backup at ``path`` into this (migrated, empty) installation.

    Refused, with nothing written, when the file is not a backup, was made at other
    migrations, or the database already holds data.
    """
    path = Path(path)
    if not zipfile.is_zipfile(path):
        raise BackupError(_("This is not a gongzhi backup: it is not a zip file."))
    with zipfile.ZipFile(path) as archive:
        manifest = _read_manifest(archive)
        _check_schema(manifest)
        _check_empty()
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data.json"
            data.write_bytes(archive.read("data.json"))
            with transaction.atomic():
                call_command("loaddata", str(data), verbosity=0)
        media = [n for n in archive.namelist() if n.startswith("media/") and not n.endswith("/")]
        for name in media:
            target = name.removeprefix("media/")
            if ".." in Path(target).parts or target.startswith("/"):
                continue  # never write outside the media directory
            if default_storage.exists(target):
                default_storage.delete(target)
            default_storage.save(target, ContentFile(archive.read(name)))
    rows = sum(int(n) for n in manifest.get("rows", {}).values())
    return BackupInfo(path=path, rows=rows, files=len(media))


def backup_name(now: dt.datetime | None = None) -> str:
    """A default file name: ``gongzhi-backup-20211105-1430.zip`` (local time)."""
    moment = timezone.localtime(now or timezone.now())
    return f"gongzhi-backup-{moment:%Y%m%d-%H%M}.zip"
