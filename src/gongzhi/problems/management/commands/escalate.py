"""``gongzhi manage escalate [--on YYYY-MM-DD]``: apply the escalation ladder now.

The daily huey task does the same at 08:00; this is for catching up by hand
or for running the ladder from cron where no worker runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from gongzhi.problems import services_escalation
from gongzhi.problems.models import EscalationKind


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“%(value)s” is not a date; write YYYY-MM-DD.") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = "Apply the escalation ladder (reminders, chase notices, criticism) and print counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--on", type=_date, default=None, help="the day to run for (default: today)"
        )
        parser.add_argument(
            "--language", default="", help="language of the output, e.g. zh-hans or en"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        language = options["language"] or translation.get_language()
        counts = services_escalation.escalation_run(on=options["on"])
        with translation.override(language):
            for kind in EscalationKind:
                self.stdout.write(f"{kind.label}: {counts.get(kind.value, 0)}")
            self.stdout.write(_("%(count)d escalations applied.") % {"count": sum(counts.values())})
