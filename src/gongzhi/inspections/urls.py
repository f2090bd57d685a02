"""Pages of inspection and supervision under /inspections/ (namespace ``inspections``).

Rounds and groups, the inspection form, and the rankings live in their own
modules; this one puts their routes together.
"""

from gongzhi.inspections import urls_inspect, urls_rankings, urls_rounds

app_name = "inspections"

urlpatterns = [*urls_rankings.urlpatterns, *urls_inspect.urlpatterns, *urls_rounds.urlpatterns]
