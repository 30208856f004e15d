from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "liaison.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from liaison.accounts.roles import sync_roles

        post_migrate.connect(sync_roles, sender=self)
