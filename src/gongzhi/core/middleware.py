"""Requests no page can answer sensibly are refused before any view runs."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

#: These answer NUL characters in their own error shapes (REST API, Open311).
OWN_ERRORS = ("/api/", "/open311/")


class RefuseNulInPathMiddleware:
    """A NUL character in a page's address is a 400: no code or number holds one, and
    PostgreSQL refuses it in any text it is compared with."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path and not request.path.startswith(OWN_ERRORS):
            return HttpResponseBadRequest(_("The address contains a character it cannot hold."))
        return self.get_response(request)
