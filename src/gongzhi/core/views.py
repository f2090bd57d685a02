"""Login and the home page of each role."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.models import RoleGrant, User
from gongzhi.core.scoping import scope_of

# Where the object a grant is bound to has its page.
_GRANT_PAGES = (
    ("district", "areas:district_detail"),
    ("street", "areas:street_detail"),
    ("community", "areas:community_detail"),
    ("unit", "units:unit_detail"),
)


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


def _grant_link(grant: RoleGrant) -> str | None:
    for attr, url_name in _GRANT_PAGES:
        target = getattr(grant, attr)
        if target is not None:
            try:
                return reverse(url_name, kwargs={"code": target.code})
            except NoReverseMatch:
                return None
    return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    grants = RoleGrant.objects.filter(
        user=cast(User, request.user), revoked_at__isnull=True
    ).select_related("district", "street", "community", "unit")
    cards: list[dict[str, Any]] = [{"grant": g, "url": _grant_link(g)} for g in grants]
    upcoming = []
    if scope.roles:
        upcoming = list(
            Session.objects.filter(date__gte=timezone.localdate(), status=SessionStatus.SCHEDULED)
            .select_related("campaign")
            .order_by("date")[:3]
        )
    return render(
        request,
        "core/home.html",
        {"scope": scope, "grant_cards": cards, "upcoming_sessions": upcoming},
    )
