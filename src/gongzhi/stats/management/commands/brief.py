"""``gongzhi brief --start D --end D [filters]``: print the work brief (工作简报) of a period.

The same options as ``gongzhi bulletin`` (municipal units only unless a
jurisdiction option or ``--all-units`` says otherwise).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.stats.management.commands.bulletin import add_filter_arguments, spec_from_options


class Command(BaseCommand):
    help = (
        "Print the work brief (工作简报) of a period: the news-style text of its figures. "
        "Without a jurisdiction option only municipal units count."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_filter_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        from gongzhi.stats.brief import work_brief
        from gongzhi.stats.bulletin import bulletin_figures

        spec = spec_from_options(options)
        self.stdout.write(work_brief(spec, bulletin_figures(spec)))
