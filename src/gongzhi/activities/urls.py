"""Pages of the Friday sessions under /sessions/ (namespace ``activities``).

Session pages and attendance, check-in and volunteer hours, funds, and the
evidence flags live in their own modules; this one puts their routes together.
"""

from gongzhi.activities import urls_checkin, urls_evidence, urls_funds, urls_sessions

app_name = "activities"

urlpatterns = [
    *urls_checkin.urlpatterns,
    *urls_funds.urlpatterns,
    *urls_evidence.urlpatterns,
    *urls_sessions.urlpatterns,
]
