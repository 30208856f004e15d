from django.urls import path

from liaison.attachments import views as attachments
from liaison.intel import views

# A report's files (upload, remove): `intel:attachment…`; the download asks for the purpose
# as the report's page does (views.report_file).
_FILES = [route for route in attachments.urls("report") if route.name != "attachment"]

app_name = "intel"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_create, name="create"),
    path("import/stix/", views.stix_import, name="stix_import"),
    path("<uuid:uid>/", views.report_detail, name="detail"),
    path("<uuid:uid>/purpose/", views.report_purpose, name="purpose"),
    path("<uuid:uid>/edit/", views.report_edit, name="edit"),
    path("<uuid:uid>/share/", views.report_share, name="share"),
    path("<uuid:uid>/forward/", views.report_forward, name="forward"),
    path("<uuid:uid>/evidence/", views.report_evidence, name="evidence"),
    path("<uuid:uid>/export/", views.report_export, name="export"),
    path("<uuid:uid>/export/stix/", views.report_stix, name="export_stix"),
    path("<uuid:uid>/export/ftm/", views.report_ftm, name="export_ftm"),
    path("<uuid:uid>/consent/", views.consent_new, name="consent_new"),
    path("<uuid:uid>/persons/suggest/", views.report_suggest, name="suggest"),
    path("<uuid:uid>/persons/<int:pk>/confirm/", views.mention_confirm, name="mention_confirm"),
    path("<uuid:uid>/persons/<int:pk>/reject/", views.mention_reject, name="mention_reject"),
    path("consents/<uuid:uid>/", views.consent_detail, name="consent"),
    path("<uuid:uid>/attachments/<uuid:attachment_uid>/", views.report_file, name="attachment"),
    *_FILES,
]
