"""Routes of urls_inspect (filled in by its views module)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
