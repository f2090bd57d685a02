"""Pages of imports and templates under /imports/ (namespace ``imports``)."""

from gongzhi.imports import urls_imports

app_name = "imports"

urlpatterns = [*urls_imports.urlpatterns]
