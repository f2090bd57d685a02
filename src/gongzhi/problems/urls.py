"""Staff pages of the problem ledger, under /problems/ (namespace ``problems``).

The ledger and problem pages and the escalation pages live in their own
modules; this one only puts their routes together.
"""

from gongzhi.problems import urls_escalation, urls_staff

app_name = "problems"

urlpatterns = [*urls_escalation.urlpatterns, *urls_staff.urlpatterns]
