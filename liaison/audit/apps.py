from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "liaison.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from liaison.audit import signals

        user_logged_in.connect(signals.on_login, dispatch_uid="audit.on_login")
        user_login_failed.connect(signals.on_login_failed, dispatch_uid="audit.on_login_failed")
