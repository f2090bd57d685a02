"""Open311 GeoReport v2 at /open311/v2/ (namespace ``open311``).

Every resource ends in a format suffix (``services.json``, ``requests/2026-000001.xml``);
the views answer 404 for a suffix other than ``json`` or ``xml``.
"""

from django.urls import URLPattern, re_path

from gongzhi.problems import open311

app_name = "open311"

_FMT = r"\.(?P<fmt>[^./]+)$"

urlpatterns: list[URLPattern] = [
    re_path(r"^discovery" + _FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + _FMT, open311.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + _FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + _FMT, open311.requests_view, name="requests"),
    re_path(r"^requests/(?P<number>[^/]+?)" + _FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + _FMT, open311.token_detail, name="token"),
]
