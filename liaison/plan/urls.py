from django.urls import include, path

from liaison.attachments import views as attachments
from liaison.plan import dashboard, views

app_name = "plan"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("objectives/new/", views.objective_create, name="objective_create"),
    path("objectives/<uuid:uid>/", views.objective_detail, name="objective"),
    path("objectives/<uuid:uid>/edit/", views.objective_edit, name="objective_edit"),
    path("objectives/<uuid:uid>/share/", views.objective_share, name="objective_share"),
    path("objectives/<uuid:uid>/actions/new/", views.action_create, name="action_create"),
    path("actions/<uuid:uid>/", views.action_detail, name="action"),
    path("actions/<uuid:uid>/edit/", views.action_edit, name="action_edit"),
    path("actions/<uuid:uid>/propose/", views.action_propose, name="action_propose"),
    path("proposals/<uuid:uid>/decide/", views.proposal_decide, name="proposal_decide"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/charts/<slug:key>.svg", dashboard.chart, name="chart"),
    path("dashboard/review-pack.xlsx", dashboard.pack, name="review_pack"),
    path("dashboard/review-pack.pdf", dashboard.pack_pdf, name="review_pack_pdf"),
    path("trainings/", views.training_list, name="trainings"),
    path("trainings/new/", views.training_create, name="training_create"),
    path("trainings/<uuid:uid>/", views.training_detail, name="training"),
    path("trainings/<uuid:uid>/edit/", views.training_edit, name="training_edit"),
    path("trainings/<uuid:uid>/share/", views.training_share, name="training_share"),
    # A training's materials (upload, download, remove): `plan:attachment…`.
    path("trainings/", include(attachments.urls("training"))),
    path("assistance/", views.assistance_list, name="assistance_list"),
    path("assistance/new/", views.assistance_create, name="assistance_create"),
    path("assistance/<uuid:uid>/", views.assistance_detail, name="assistance"),
    path("assistance/<uuid:uid>/edit/", views.assistance_edit, name="assistance_edit"),
    path("assistance/<uuid:uid>/share/", views.assistance_share, name="assistance_share"),
]
