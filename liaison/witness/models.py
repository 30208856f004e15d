"""Signed heads: the ones this node signed and sent, and the ones partners sent it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignedHead(models.Model):
    """A head of this node's audit chain, signed here and sent to every partner."""

    seq = models.PositiveBigIntegerField(_("sequence"))
    hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(_("signed at"))
    token = models.TextField(help_text=_("The signed head (JWS)."))

    class Meta:
        verbose_name = _("signed audit head")
        indexes = [models.Index(fields=["signed_at"], name="witness_signed_at_idx")]

    def __str__(self) -> str:
        return f"head #{self.seq} {self.hash[:12]}"


class PartnerHead(models.Model):
    """A head of a partner's audit chain, signed by it: kept as evidence, served back to it.

    Every distinct head is kept. One that contradicts a head held before (same seq and
    another hash, or a lower seq signed later: the chain went backwards) is kept too, and
    flagged: it is what shows that the partner's chain was rewritten or restored.
    """

    node = models.CharField(_("node"), max_length=32)
    seq = models.PositiveBigIntegerField(_("sequence"))
    hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(_("signed at"))
    token = models.TextField(help_text=_("The partner's signed head (JWS)."))
    conflict = models.BooleanField(_("conflicts with an earlier head"), default=False)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner audit head")
        constraints = [
            models.UniqueConstraint(fields=["node", "seq", "hash"], name="witness_one_head")
        ]
        indexes = [models.Index(fields=["node", "seq"], name="witness_node_seq_idx")]

    def __str__(self) -> str:
        return f"{self.node} head #{self.seq} {self.hash[:12]}"
