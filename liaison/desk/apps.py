from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "liaison.desk"
    label = "desk"
    verbose_name = _("Desk")
    # Record apps add their sources from their own AppConfig.ready() (liaison/desk/sources.py).

    def ready(self) -> None:
        from django.conf import settings

        from liaison.desk import delivery, mail
        from liaison.exchange.worker import register_periodic

        delivery.register()
        register_periodic("desk.mail", mail.send_pending, lambda: float(settings.EMAIL_SECONDS))
