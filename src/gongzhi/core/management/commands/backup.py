"""``gongzhi backup FILE``: the database's rows and the media files in one zip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.core.backup import backup_name, backup_write


class Command(BaseCommand):
    help = "Write a backup of the database and the media files to FILE (a zip)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="where to write it (default: a dated name)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"] or backup_name())
        info = backup_write(path)
        self.stdout.write(f"{info.path}: {info.rows} rows, {info.files} media files")
