from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "liaison.exchange"
    label = "exchange"
    verbose_name = _("Exchange with partner nodes")
    # Record types plug in from their own apps (liaison/exchange/sharing.py).
