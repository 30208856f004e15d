from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelConfig(AppConfig):
    name = "liaison.intel"
    label = "intel"
    verbose_name = _("Intelligence")

    def ready(self) -> None:
        from liaison.audit import labels
        from liaison.intel import desk, entities, files, sharing
        from liaison.intel.models import ConsentDecision, ConsentRequest, Report
        from liaison.registry.panels import register_person_panel

        sharing.register()
        files.register_files()
        labels.register_model(Report)
        labels.register_model(ConsentRequest)
        labels.register_model(ConsentDecision)
        labels.register_object_types(
            {
                "reportforward": _("forwarded intelligence report"),
                "report-search": _("report search"),
            }
        )
        labels.register_detail(
            {
                "kind": _("consent for"),
                "partner": _("partner service"),
                "granted": _("granted"),
                "consent": _("consent request"),
                "report": _("intelligence report"),
                "originator": _("originator"),
                "query": _("searched for"),
                "suggested": _("persons suggested"),
                "person": _("person"),
            }
        )
        desk.register()
        register_person_panel(entities.person_panel)
