"""``gongzhi import KIND FILE [--dry-run] [--user USERNAME]``: import a file, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.imports import services
from gongzhi.imports.management.commands._common import acting_user, importer_for
from gongzhi.imports.models import ImportStatus


class Command(BaseCommand):
    help = "Import an xlsx or csv file of KIND; nothing is written if any row is wrong."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind")
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--user", help="the acting user (default: the first superuser)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["user"])
        importer = importer_for(options["kind"], user)
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with self.settings_background_off():
            job = services.import_start(
                user=user,
                kind=importer.kind,
                file=path.read_bytes(),
                dry_run=options["dry_run"],
                name=path.name,
            )
        if job.status in (ImportStatus.DONE, ImportStatus.CHECKED):
            self.stdout.write(job.message)
            self.stdout.write(
                f"created: {job.created}, updated: {job.updated}, unchanged: {job.unchanged}"
            )
            return
        self.stderr.write(job.message)
        for error in job.errors:
            column = f" [{error['field']}]" if error["field"] else ""
            row = f"row {error['row']}" if error["row"] else "file"
            self.stderr.write(f"{row}{column}: {error['message']}")
        raise CommandError(f"{path.name} was not imported.", returncode=1)

    def settings_background_off(self) -> Any:
        """The command waits for its import: it never hands it to a worker."""
        from django.test.utils import override_settings

        return override_settings(IMPORT_BACKGROUND_ROWS=10**9)
