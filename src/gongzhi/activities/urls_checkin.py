"""Routes of urls_checkin (filled in by its views module)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
