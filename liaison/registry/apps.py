from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "liaison.registry"
    label = "registry"
    verbose_name = _("Fugitives and warrants")

    def ready(self) -> None:
        from liaison.registry import desk, sharing

        sharing.register()
        desk.register()
