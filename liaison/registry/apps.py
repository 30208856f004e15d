from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "liaison.registry"
    label = "registry"
    verbose_name = _("Fugitives and warrants")

    def ready(self) -> None:
        from liaison.registry import audit_labels, desk
        from liaison.registry.sharing import types

        types.register()
        audit_labels.register()
        desk.register()
