"""The REST API at /api/v1/ (django-ninja); each app contributes a router."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.security import django_auth

from gongzhi.activities.api import router as activities_router
from gongzhi.areas.api import router as areas_router
from gongzhi.campaigns.api import router as campaigns_router
from gongzhi.core.api import router as core_router
from gongzhi.core.api_auth import BearerToken
from gongzhi.imports.api import router as imports_router
from gongzhi.inspections.api import router as inspections_router
from gongzhi.problems.api import router as problems_router
from gongzhi.problems.services import ConflictError
from gongzhi.stats.api import router as stats_router
from gongzhi.units.api import router as units_router

NUL = "\x00"


def _nul_in(value: Any, path: str) -> str | None:
    """The dotted path of the first string holding a NUL character inside a JSON value."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            found = inner if NUL in str(key) else _nul_in(item, inner)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_in(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def nul_field(request: HttpRequest) -> str | None:
    """The path, query or body field of a request that holds a NUL character, if any.

    PostgreSQL refuses NUL in text, so such input would be a server error there
    (and stored as is on SQLite): it is refused up front on every database.
    """
    match = request.resolver_match
    for name, value in (match.kwargs if match else {}).items():
        if NUL in str(value):
            return str(name)
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in v for v in values):
            return name.replace(NUL, "")
    if request.content_type == "application/json" and b"\\u0000" in request.body:
        try:
            return _nul_in(json.loads(request.body), "") or "__all__"
        except ValueError:
            return None  # not JSON: the body parser answers that
    return None


class GongzhiAPI(NinjaAPI):
    def create_temporal_response(self, request: HttpRequest) -> HttpResponse:
        """Runs first inside every operation: refuse NUL characters before any parsing."""
        field = nul_field(request)
        if field:
            raise ValidationError({field: [_("Text cannot contain NUL characters.")]})
        return super().create_temporal_response(request)


api = GongzhiAPI(
    title="gongzhi API",
    version="1",
    urls_namespace="api",
    auth=[BearerToken(), django_auth],
    docs_url="/docs",
)
api.add_router("/", core_router)
api.add_router("/", areas_router)
api.add_router("/", units_router)
api.add_router("/", campaigns_router)
api.add_router("/", problems_router)
api.add_router("/", activities_router)
api.add_router("/", inspections_router)
api.add_router("/", stats_router)
api.add_router("/", imports_router)


def validation_messages(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages]
            for field, errors in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = validation_messages(exc)
    first = next(iter(errors.values()))[0] if errors else _("Invalid input.")
    return api.create_response(request, {"detail": first, "errors": errors}, status=400)


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A number too large for the database (SQLite raises OverflowError, PostgreSQL a
    DataError): the caller's input, so a 400; the transaction was rolled back."""
    message = _("A number in the request is out of range.")
    return api.create_response(
        request, {"detail": message, "errors": {"__all__": [message]}}, status=400
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or _("You may not do this.")
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(ConflictError)
def on_conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    """A write based on a version someone changed meanwhile: nothing was written."""
    message = str(exc)
    return api.create_response(
        request, {"detail": message, "errors": {"version": [message]}}, status=409
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Authentication required: send a bearer token.")}, status=401
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own errors (e.g. a body that is not JSON) in the usual error shape."""
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = _("The body is not valid JSON.")
    return api.create_response(
        request, {"detail": message, "errors": {"__all__": [message]}}, status=exc.status_code
    )


SCHEMA_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_type": gettext_lazy("Enter a whole number."),
    "date_from_datetime_parsing": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "date_parsing": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "date_type": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "string_type": gettext_lazy("Enter text."),
    "bool_type": gettext_lazy("Enter true or false."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "float_type": gettext_lazy("Enter a number."),
    "float_parsing": gettext_lazy("Enter a number."),
    "finite_number": gettext_lazy("Enter a finite number."),
    "dict_type": gettext_lazy("Enter an object."),
    "model_type": gettext_lazy("Enter an object."),
    "list_type": gettext_lazy("Enter a list."),
    "extra_forbidden": gettext_lazy("This field is not accepted."),
    "json_invalid": gettext_lazy("The body is not valid JSON."),
}
_LOCATIONS = {"body", "payload", "query", "path", "data", "form", "file"}


@api.exception_handler(SchemaError)
def on_schema_error(request: HttpRequest, exc: SchemaError) -> HttpResponse:
    """Bodies and parameters that do not match the schema: 422, in the same shape as 400."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        path = [str(p) for p in error.get("loc", ()) if str(p) not in _LOCATIONS]
        field = ".".join(path) or "__all__"
        message = SCHEMA_MESSAGES.get(error.get("type", ""))
        errors.setdefault(field, []).append(str(message or error.get("msg", _("Invalid value."))))
    field, messages = next(iter(errors.items())) if errors else ("__all__", [_("Invalid input.")])
    detail = messages[0] if field == "__all__" else f"{field}: {messages[0]}"
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)
