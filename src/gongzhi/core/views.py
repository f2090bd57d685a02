"""Login and the home page of each role."""

from __future__ import annotations

from typing import cast

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.core.models import RoleGrant, User
from gongzhi.core.scoping import scope_of


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    grants = RoleGrant.objects.filter(
        user=cast(User, request.user), revoked_at__isnull=True
    ).select_related("district", "street", "community", "unit")
    return render(request, "core/home.html", {"scope": scope, "grants": grants})
