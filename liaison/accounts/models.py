from __future__ import annotations

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

country_code = RegexValidator(r"^[A-Z]{2}$", _("Use an ISO 3166 alpha-2 country code."))


class Agency(models.Model):
    """A police service. Users belong to one; partner agencies are known by their node."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    country = models.CharField(_("country"), max_length=2, validators=[country_code])
    node_id = models.CharField(
        _("node"), max_length=32, help_text=_("The node this agency runs or is reached through.")
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in to this node; belongs to exactly one agency."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        help_text=_("Accounts without an agency cannot see any record."),
    )
    is_demo = models.BooleanField(
        _("demo account"),
        default=False,
        help_text=_("Made by `liaison demo`; may skip 2FA only on a node started in demo mode."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def roles(self) -> list[str]:
        return sorted(self.groups.values_list("name", flat=True))


# Who acts: `request.user` (anonymous until signed in, which the policy refuses) or the
# account a command, the exchange or the demo data act as.
type Actor = User | AnonymousUser


class Capability(models.Model):
    """No table: holds the platform's permissions, granted to roles (groups).

    Record-level rules (handling codes, ownership, need-to-know) sit on top of these
    in the policy module; a capability is necessary, never sufficient.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_records", _("View operational records")),
            ("search_records", _("Search operational records")),
            ("create_records", _("Create operational records")),
            ("change_records", _("Change operational records")),
            ("delete_records", _("Delete operational records")),
            ("disclose_records", _("Disclose records to partner services")),
            ("approve_handling", _("Approve higher handling codes and extensions")),
            ("subject_access", _("Produce subject access reports (LED art. 14)")),
            ("write_reports", _("Write and change intelligence reports")),
            ("view_audit", _("Read the audit log")),
            ("manage_users", _("Manage users of this node")),
            ("manage_peers", _("Manage partner nodes")),
        ]

    def __str__(self) -> str:
        return "capability"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(
        _("prefix"), max_length=12, help_text=_("Shown to tell tokens apart.")
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.username})"
