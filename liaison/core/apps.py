from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "liaison.core"
    label = "core"
    verbose_name = _("Node")

    def ready(self) -> None:
        from liaison.core.health import BEAT_EVERY, beat
        from liaison.core.idempotency import purge_expired
        from liaison.exchange.worker import register_periodic

        register_periodic("core.heartbeat", beat, BEAT_EVERY.total_seconds)
        register_periodic("core.idempotency_purge", purge_expired, lambda: 3600.0)
