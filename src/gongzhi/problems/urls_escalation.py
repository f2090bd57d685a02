"""Routes of urls_escalation (filled in by its views module)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
