"""Routes of urls_rounds (filled in by its views module)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
