"""Routes of urls_rankings (filled in by its views module)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
