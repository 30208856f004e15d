from django.urls import include, path

from liaison.api import api
from liaison.core.metrics import metrics

urlpatterns = [
    path("", include("liaison.core.urls")),
    path("accounts/", include("liaison.accounts.urls")),
    path("audit/", include("liaison.audit.urls")),
    path("desk/", include("liaison.desk.urls")),
    path("registry/", include("liaison.registry.urls")),
    path("events/", include("liaison.events.urls")),
    path("plan/", include("liaison.plan.urls")),
    path("requests/", include("liaison.assistance.urls")),
    path("groups/", include("liaison.cooperation.urls")),
    path("intel/", include("liaison.intel.urls")),
    path("", include("liaison.exchange.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("metrics", metrics, name="metrics"),
]

handler400 = "liaison.core.views.bad_request"
handler403 = "liaison.core.views.permission_denied"
handler404 = "liaison.core.views.page_not_found"
handler500 = "liaison.core.views.server_error"
