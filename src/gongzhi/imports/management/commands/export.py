"""``gongzhi export KIND FILE [--user USERNAME]``: write what the user sees in the import format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.imports import exporting
from gongzhi.imports.management.commands._common import acting_user, importer_for


class Command(BaseCommand):
    help = "Export KIND to FILE (.xlsx or .csv) with the template's columns, formula-safe."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind")
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", help="the reading user (default: the first superuser)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["user"])
        importer = importer_for(options["kind"], user)
        path: Path = options["file"]
        try:
            if path.suffix.lower() == ".csv":
                content, count = exporting.export_csv(importer, user)
            else:
                content, count = exporting.export_xlsx(importer, user)
        except NotImplementedError:
            raise CommandError(f"{importer.kind} cannot be exported yet.") from None
        path.write_bytes(content)
        self.stdout.write(f"{path}: {count} rows of {importer.kind}")
