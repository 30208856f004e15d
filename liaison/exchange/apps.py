from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "liaison.exchange"
    label = "exchange"
    verbose_name = _("Exchange with partner nodes")

    def ready(self) -> None:
        # Record types plug in here: each module registers its message types and appliers.
        from liaison.registry import replication
        from liaison.registry.models import Hit

        replication.register_types()
        # A hit on a partner's person goes back to its owner, in the hit's own transaction.
        post_save.connect(
            replication.notify_owner_of_hit, sender=Hit, dispatch_uid="exchange-hit-notify"
        )
