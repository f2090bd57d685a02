"""Background jobs of the problem ledger (huey).

The escalation ladder runs every morning at 08:00 in the site's time zone
(``TIME_ZONE``, Asia/Shanghai), so the day's reminders and chase notices are
in the history before the working day starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from gongzhi.problems import services_escalation

ESCALATION_HOUR = 8


def local_crontab(
    *, hour: int, minute: int = 0, utc: bool | None = None
) -> Callable[[dt.datetime], bool]:
    """A huey schedule read in the site's ``TIME_ZONE`` rather than in UTC.

    Huey hands a periodic task's validator a naive datetime: UTC by default
    (``utc=True``), the worker's local time otherwise; its ``crontab`` compares
    that as it is, so ``crontab(hour=8)`` would run at 16:00 in Shanghai. This
    converts the timestamp to ``TIME_ZONE`` first. ``utc`` defaults to the
    queue's own setting, read when the scheduler asks.
    """
    matches = crontab(minute=str(minute), hour=str(hour))

    def validate(timestamp: dt.datetime) -> bool:
        in_utc = HUEY.utc if utc is None else utc
        # Without utc the timestamp is the worker's local time; astimezone() reads it so.
        aware = timestamp.replace(tzinfo=dt.UTC) if in_utc else timestamp.astimezone()
        local = aware.astimezone(ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)
        return bool(matches(local))

    return validate


@db_periodic_task(local_crontab(hour=ESCALATION_HOUR))
def escalation_daily() -> dict[str, int]:
    """Apply the escalation ladder for today (``services_escalation.escalation_run``)."""
    return services_escalation.escalation_run()
