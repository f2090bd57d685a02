"""Routes of urls_evidence (filled in by its views module)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
