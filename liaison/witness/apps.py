from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WitnessConfig(AppConfig):
    """Witnessed audit heads: this node's signed chain heads kept by its partners.

    Above both audit and exchange: it registers a message type and a query type with the
    exchange, a periodic job with its worker, and `liaison audit witness` / `verify
    --witnessed` with audit (which cannot import the exchange).
    """

    name = "liaison.witness"
    label = "witness"
    verbose_name = _("Witnessed audit heads")

    def ready(self) -> None:
        from liaison.witness import setup

        setup.plug_in()
