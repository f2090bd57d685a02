"""``gongzhi schedule CAMPAIGN --year Y``: the year's sessions, one line each."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gongzhi.campaigns.models import Campaign
from gongzhi.campaigns.queries import campaign_year_rows


def _language_from_environment() -> str | None:
    """The first usable entry of ``LANGUAGE`` (e.g. ``zh_CN:zh`` or ``en``), if any."""
    for entry in os.environ.get("LANGUAGE", "").split(":"):
        code = entry.split(".")[0].replace("_", "-").lower()
        if not code:
            continue
        if code.startswith("zh"):
            code = "zh-hans"
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


def _day(day: dt.date) -> str:
    """A date with its weekday in the active language (星期五 / Friday)."""
    return f"{day:%Y-%m-%d} {date_format(day, 'l')}"


class Command(BaseCommand):
    help = "Print a campaign's sessions for a year, with moved or skipped dates and why."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", help="the campaign's short name (slug)")
        parser.add_argument("--year", type=int, default=dt.date.today().year)  # noqa: DTZ011
        parser.add_argument(
            "--language",
            default="",
            help="language of the reasons, e.g. zh-hans or en (default: $LANGUAGE, else the site's)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        language = options["language"] or _language_from_environment() or translation.get_language()
        with translation.override(language):
            self._print(options)

    def _print(self, options: dict[str, Any]) -> None:
        try:
            campaign = Campaign.objects.get(slug=options["campaign"])
        except Campaign.DoesNotExist as exc:
            raise CommandError(_("No campaign %(slug)s.") % {"slug": options["campaign"]}) from exc
        year = options["year"]
        rows, provisional = campaign_year_rows(campaign, year)
        self.stdout.write(f"{campaign.name} ({campaign.slug}) {year}")
        time = f"{campaign.start_time:%H:%M}-{campaign.end_time:%H:%M}"
        for row in rows:
            p = row.planned
            if row.state == "skipped":
                line = f"{_day(p.slot_date)}  {p.reason}"
            elif row.state == "moved":
                slot = _("rule date %(slot)s") % {"slot": _day(p.slot_date)}
                line = f"{_day(row.date)} {time}  ({slot}) {p.reason}"
            else:
                line = f"{_day(row.date)} {time}"
            if row.state == "cancelled" and row.session is not None:
                line += "  " + _("cancelled: %(reason)s") % {"reason": row.session.cancel_reason}
            if p.provisional:
                line += "  " + _("(provisional)")
            self.stdout.write(line)
        held = sum(1 for r in rows if r.state in ("held", "moved"))
        self.stdout.write(_("%(count)s sessions.") % {"count": held})
        if provisional:
            self.stdout.write(
                _(
                    "Note: there is no holiday data for %(year)s yet, so these dates are "
                    "provisional. Enter the year's holidays when the State Council notice "
                    "comes out (each November or December)."
                )
                % {"year": year}
            )
