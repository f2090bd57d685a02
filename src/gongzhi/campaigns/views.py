"""Pages of campaigns: list, detail, rule preview, month calendar, holiday year entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.campaigns import queries, services
from gongzhi.campaigns.forms import (
    CampaignCreateForm,
    CampaignEditForm,
    CancelForm,
    HolidayYearForm,
    RuleForm,
)
from gongzhi.campaigns.models import Campaign
from gongzhi.campaigns.schedule import Rule
from gongzhi.core.scoping import get_visible_or_404, scope_of


def _today() -> dt.date:
    return timezone.localdate()


def _year_param(request: HttpRequest, default: int) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else default


def _require_office(request: HttpRequest) -> None:
    if not scope_of(request.user).is_office:
        raise PermissionDenied(_("Only the city office may change campaigns and schedules."))


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = queries.campaigns_visible_to(request.user).order_by("-start", "slug")[:200]
    context = {"campaigns": campaigns, "is_office": scope_of(request.user).is_office}
    return render(request, "campaigns/campaign_list.html", context)


#: Service error keys that a form field shows under another name.
FIELD_OF_ERROR = {"community_codes": "communities"}


def _errors_to_form(form: CampaignEditForm, exc: ValidationError) -> None:
    """Show each of the service's errors beside its field (the rest above the form)."""
    for key, messages_ in exc.message_dict.items():
        name = FIELD_OF_ERROR.get(key, key)
        form.add_error(name if name in form.fields else None, messages_)


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    """The office creates a campaign, then previews its rule before confirming sessions."""
    _require_office(request)
    form = CampaignCreateForm(
        request.POST or None,
        initial={
            "weekday": 5,
            "nth": "2, 4",
            "mode": "nth_weekday",
            "start_time": "14:30",
            "end_time": "17:30",
            "holiday_policy": "skip",
            "start": _today(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(user=request.user, values=form.values())
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The campaign is created. Check both readings of the rule below, "
                    "then confirm to generate its sessions."
                ),
            )
            url = reverse("campaigns:campaign_rule", args=[campaign.slug])
            return redirect(f"{url}?year={max(campaign.start.year, _today().year)}")
    context = {"form": form, "campaign": None}
    return render(request, "campaigns/campaign_form.html", context)


@login_required
def campaign_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The office changes a campaign's name, end date and communities."""
    campaign = get_visible_or_404(queries.campaigns_visible_to(request.user), slug=slug)
    _require_office(request)
    initial = {
        "name": campaign.name,
        "end": campaign.end,
        "communities": [c.code for c in campaign.communities.all()],
    }
    form = CampaignEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(user=request.user, campaign=campaign, values=form.values())
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The campaign is saved."))
            return redirect(campaign_url(campaign))
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


@login_required
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_visible_or_404(queries.campaigns_visible_to(request.user), slug=slug)
    year = _year_param(request, _today().year)
    sessions = list(
        campaign.sessions.filter(
            slot_date__gte=dt.date(year, 1, 1), slot_date__lte=dt.date(year, 12, 31)
        ).order_by("slot_date")
    )
    provisional = queries.year_is_provisional(year)
    context = {
        "campaign": campaign,
        "year": year,
        "sessions": sessions,
        "provisional": provisional,
        "community_count": campaign.communities.count(),
        "is_office": scope_of(request.user).is_office,
        "cancel_form": CancelForm(),
    }
    return render(request, "campaigns/campaign_detail.html", context)


@login_required
@require_POST
def session_cancel(request: HttpRequest, slug: str, session_id: int) -> HttpResponse:
    campaign = get_visible_or_404(queries.campaigns_visible_to(request.user), slug=slug)
    session = get_visible_or_404(
        queries.sessions_visible_to(request.user).filter(campaign=campaign), pk=session_id
    )
    form = CancelForm(request.POST)
    reason = form.data.get("reason", "")
    try:
        services.session_cancel(user=request.user, session=session, reason=str(reason))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The session of %(date)s is cancelled.") % {"date": session.date}
        )
    return redirect(f"{campaign_url(campaign)}?year={session.slot_date.year}#session-{session.pk}")


def campaign_url(campaign: Campaign) -> str:
    return reverse("campaigns:campaign_detail", args=[campaign.slug])


def _rule_initial(campaign: Campaign, year: int) -> dict[str, Any]:
    return {
        "weekday": campaign.weekday,
        "nth": ", ".join(str(n) for n in campaign.nth),
        "mode": campaign.mode,
        "holiday_policy": campaign.holiday_policy,
        "allow_makeup_workdays": campaign.allow_makeup_workdays,
        "start_time": campaign.start_time,
        "end_time": campaign.end_time,
        "year": year,
    }


@login_required
def campaign_rule(request: HttpRequest, slug: str) -> HttpResponse:
    """The office edits the rule, previews both readings side by side, then confirms."""
    campaign = get_visible_or_404(queries.campaigns_visible_to(request.user), slug=slug)
    _require_office(request)
    year = _year_param(request, _today().year)
    confirming = request.method == "POST" and "confirm" in request.POST
    data = (
        request.POST
        if request.method == "POST"
        else (request.GET if "mode" in request.GET else None)
    )
    form = RuleForm(data, initial=_rule_initial(campaign, year))
    result = None
    if form.is_bound and form.is_valid():
        values = form.rule_values()
        year = form.cleaned_data["year"]
        if confirming:
            try:
                services.campaign_update(user=request.user, campaign=campaign, values=values)
            except ValidationError as exc:
                for key, messages_ in exc.message_dict.items():
                    form.add_error(key if key in form.fields else None, messages_)
            else:
                latest = campaign.sessions.order_by("-slot_date").first()
                until = max(
                    dt.date(_today().year, 12, 31), latest.slot_date if latest else _today()
                )
                result = services.campaign_sessions_sync(
                    user=request.user,
                    campaign=campaign,
                    until=until,
                    confirm=True,
                    force=form.cleaned_data["force"],
                )
        rule = Rule(
            weekday=values["weekday"],
            nth=tuple(values["nth"]),
            mode=values["mode"],
            holiday_policy=values["holiday_policy"],
            allow_makeup_workdays=values["allow_makeup_workdays"],
        )
    else:
        rule = queries.rule_of(campaign)
    months, provisional = queries.rule_preview(rule, year)
    context = {
        "campaign": campaign,
        "form": form,
        "months": months,
        "year": year,
        "provisional": provisional,
        "differing": sum(1 for m in months if m.differs),
        "chosen_mode": rule.mode,
        "result": result,
    }
    return render(request, "campaigns/campaign_rule.html", context)


def _month_param(request: HttpRequest) -> dt.date:
    raw = request.GET.get("month", "")
    try:
        year, month = (int(p) for p in raw.split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return _today().replace(day=1)


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    month = _month_param(request)
    weeks, cal = queries.month_calendar(request.user, month)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    context = {
        "month": month,
        "weeks": weeks,
        "provisional": not cal.knows_year(month.year),
        "previous": previous,
        "following": following,
        "is_office": scope_of(request.user).is_office,
    }
    return render(request, "campaigns/calendar.html", context)


@login_required
def holiday_year(request: HttpRequest) -> HttpResponse:
    """The office enters a year's days off and make-up days from the State Council notice."""
    _require_office(request)
    results = None
    year = _year_param(request, _today().year + 1)
    if request.method == "POST":
        form = HolidayYearForm(request.POST)
        if form.is_valid():
            try:
                results = services.holiday_year_enter(
                    user=request.user,
                    year=form.cleaned_data["year"],
                    dates=form.cleaned_data["dates"],
                    notice=form.cleaned_data["notice"],
                )
            except ValidationError as exc:
                for key, messages_ in exc.message_dict.items():
                    form.add_error("lines" if key == "dates" else None, messages_)
    else:
        form = HolidayYearForm(initial={"year": year})
    return render(request, "campaigns/holiday_year.html", {"form": form, "results": results})
