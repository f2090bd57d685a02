"""The REST API at /api/v1/ (django-ninja); each app contributes a router."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import django_auth

from gongzhi.areas.api import router as areas_router
from gongzhi.campaigns.api import router as campaigns_router
from gongzhi.core.api import router as core_router
from gongzhi.core.api_auth import BearerToken
from gongzhi.units.api import router as units_router

api = NinjaAPI(
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


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or _("You may not do this.")
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Authentication required: send a bearer token.")}, status=401
    )
