"""``gongzhi template KIND FILE [--user USERNAME]``: write the xlsx template of KIND."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.imports import templates_xlsx
from gongzhi.imports.management.commands._common import acting_user, importer_for


class Command(BaseCommand):
    help = "Write the xlsx template of KIND (headers, instructions, example, dropdowns)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind")
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", help="whose dropdowns (default: the first superuser)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["user"])
        importer = importer_for(options["kind"], user)
        path: Path = options["file"]
        path.write_bytes(templates_xlsx.build(importer, user))
        self.stdout.write(f"{path}: template of {importer.kind}")
