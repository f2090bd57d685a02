"""Routes of urls_staff (filled in by its views module)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
