"""Public pages for residents, no login: report a problem, follow it, rate it (namespace ``public``)."""

from django.urls import URLPattern

app_name = "public"

urlpatterns: list[URLPattern] = []
