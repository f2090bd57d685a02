"""Routes of supervision (督办) and call-backs (回访), under /problems/ (namespace ``problems``)."""

from django.urls import URLPattern, path

from gongzhi.problems import views_escalation as views

urlpatterns: list[URLPattern] = [
    path("escalation/", views.escalation, name="escalation"),
    path("escalation/units/", views.unit_table, name="unit_table"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("callbacks/<str:number>/", views.callback_record, name="callback_record"),
]
