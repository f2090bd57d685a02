"""Routes of urls_sessions (filled in by its views module)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
