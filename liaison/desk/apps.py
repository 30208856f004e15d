from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "liaison.desk"
    label = "desk"
    verbose_name = _("Desk")
    # Record apps add their sources from their own AppConfig.ready() (liaison/desk/sources.py).

    def ready(self) -> None:
        from liaison.desk import delivery

        delivery.register()
