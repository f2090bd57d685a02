"""Routes of urls_funds (filled in by its views module)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
