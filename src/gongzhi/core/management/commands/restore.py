"""``gongzhi restore FILE``: load a backup into a new, migrated database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `gongzhi backup` into a new, migrated database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            info = backup_restore(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{info.path}: {info.rows} rows, {info.files} media files restored")
