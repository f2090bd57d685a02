"""Routes of the funds ledger under /sessions/funds/."""

from django.urls import URLPattern, path

from gongzhi.activities import views_funds

urlpatterns: list[URLPattern] = [
    path("funds/", views_funds.funds_ledger, name="funds"),
    path("funds/new/", views_funds.funds_new, name="funds_new"),
    path("funds/amount/", views_funds.funds_amount, name="funds_amount"),
    path("funds/totals/", views_funds.funds_totals, name="funds_totals"),
    path("funds/<int:pk>/", views_funds.funds_detail, name="funds_detail"),
    path("funds/<int:pk>/edit/", views_funds.funds_edit, name="funds_edit"),
    path("funds/<int:pk>/archive/", views_funds.funds_archive, name="funds_archive"),
    path("funds/<int:pk>/restore/", views_funds.funds_restore, name="funds_restore"),
]
