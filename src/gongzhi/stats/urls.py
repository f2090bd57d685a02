"""Pages of the figures under /stats/ (namespace ``stats``): dashboards, the big screen,
bulletins and the work brief; each part keeps its routes in its own module."""

from gongzhi.stats import urls_bulletins, urls_dashboard

app_name = "stats"

urlpatterns = [*urls_dashboard.urlpatterns, *urls_bulletins.urlpatterns]
