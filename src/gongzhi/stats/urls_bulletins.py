"""Routes of bulletins under /stats/bulletins/ (namespace ``stats``)."""

from django.urls import URLPattern, path

from gongzhi.stats import views_bulletins as views

BULLETIN = "bulletins/<int:pk>/"

urlpatterns: list[URLPattern] = [
    path("bulletins/", views.bulletin_list, name="bulletin_list"),
    path("bulletins/new/", views.bulletin_new, name="bulletin_new"),
    path(BULLETIN, views.bulletin_detail, name="bulletin"),
    path(f"{BULLETIN}edit/", views.bulletin_edit, name="bulletin_edit"),
    path(f"{BULLETIN}issue/", views.bulletin_issue, name="bulletin_issue"),
    path(f"{BULLETIN}archive/", views.bulletin_archive, name="bulletin_archive"),
    path(f"{BULLETIN}restore/", views.bulletin_restore, name="bulletin_restore"),
    path(f"{BULLETIN}docx/", views.bulletin_docx, name="bulletin_docx"),
    path(f"{BULLETIN}pdf/", views.bulletin_pdf, name="bulletin_pdf"),
    path(f"{BULLETIN}brief/", views.bulletin_brief, name="bulletin_brief"),
]
