"""What a locked-out login attempt answers: a page for people, JSON for the API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

LOCKED_STATUS = 429


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": _("Too many failed logins. Try again later.")}, status=LOCKED_STATUS
        )
    return render(request, "registration/locked_out.html", status=LOCKED_STATUS)
