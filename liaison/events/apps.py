from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "liaison.events"
    label = "events"
    verbose_name = _("Major events")

    def ready(self) -> None:
        from django.conf import settings

        from liaison.audit import labels
        from liaison.events import ban_queries, ban_sharing, bans, desk, sharing
        from liaison.events.models import Ban, Event
        from liaison.exchange.worker import register_periodic
        from liaison.registry.dependents import register_person_dependents
        from liaison.registry.panels import register_person_panel

        sharing.register()
        ban_sharing.register()
        labels.register_model(Event)
        labels.register_model(Ban)
        desk.register()
        register_person_panel(ban_queries.person_panel)
        register_person_dependents("bans", bans.end_bans_of)
        register_periodic(
            "events.expire_bans", bans.expire_bans, lambda: float(settings.BAN_EXPIRY_SECONDS)
        )
