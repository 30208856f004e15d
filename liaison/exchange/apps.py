from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "liaison.exchange"
    label = "exchange"
    verbose_name = _("Exchange with partner nodes")
    # Record types plug in from their own apps (liaison/exchange/sharing.py).

    def ready(self) -> None:
        from liaison.exchange.tally import flush_closed, window_seconds
        from liaison.exchange.worker import register_periodic

        # Summaries of refusal windows that closed with no refusal since to write them.
        register_periodic("refusal-summaries", flush_closed, window_seconds)
