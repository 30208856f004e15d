from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "liaison.events"
    label = "events"
    verbose_name = _("Major events")

    def ready(self) -> None:
        from liaison.audit import labels
        from liaison.events import desk, sharing
        from liaison.events.models import Event

        sharing.register()
        labels.register_model(Event)
        desk.register()
