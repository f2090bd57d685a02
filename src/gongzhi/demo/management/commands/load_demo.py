from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.demo.loader import load_demo


class Command(BaseCommand):
    help = "Load the demo city (idempotent: running it again changes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", help="Where the demo site is served, to print with the logins."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        load_demo(self.stdout, site_url=options.get("url"))
