from django.urls import path

from liaison.registry import subject_access_views, views

app_name = "registry"
urlpatterns = [
    path("", views.search, name="search"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("purpose/", views.purpose, name="purpose"),
    path("reviews/", views.reviews, name="reviews"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/rows/names/", views.name_row, {"kind": "names"}, name="name_row"),
    path("persons/rows/documents/", views.name_row, {"kind": "documents"}, name="document_row"),
    path("persons/<uuid:uid>/", views.person_detail, name="person"),
    path("persons/<uuid:uid>/edit/", views.person_edit, name="person_edit"),
    path("persons/<uuid:uid>/erase/", views.person_erase, name="person_erase"),
    path("persons/<uuid:uid>/share/", views.person_share, name="person_share"),
    path(
        "persons/<uuid:uid>/access/",
        subject_access_views.subject_access,
        {"fmt": "html"},
        name="subject_access",
    ),
    path(
        "persons/<uuid:uid>/access.csv",
        subject_access_views.subject_access,
        {"fmt": "csv"},
        name="subject_access_csv",
    ),
    path("persons/<uuid:uid>/warrants/new/", views.warrant_create, name="warrant_create"),
    path("persons/<uuid:uid>/alerts/new/", views.alert_create, name="alert_create"),
    path("persons/<uuid:uid>/hits/new/", views.hit_create, name="hit_create"),
    path("warrants/<uuid:uid>/status/", views.warrant_status, name="warrant_status"),
    path("alerts/<uuid:uid>/status/", views.alert_status, name="alert_status"),
    path("hits/<uuid:uid>/disposition/", views.hit_dispose, name="hit_dispose"),
    path("hits/<uuid:uid>/decision/", views.hit_decide, name="hit_decide"),
    path("hits/<uuid:uid>/update/", views.hit_update, name="hit_update"),
    path("hits/<uuid:uid>/outcome/", views.hit_outcome, name="hit_outcome"),
    path("alerts/<uuid:uid>/extend/", views.review_extend, {"kind": "alert"}, name="alert_extend"),
    path(
        "warrants/<uuid:uid>/extend/",
        views.review_extend,
        {"kind": "warrant"},
        name="warrant_extend",
    ),
]
