"""What a node stores about the exchange: partners, the outbox, the inbox, shares, tombstones."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Peer(models.Model):
    """A partner node, pinned by the fingerprint of its signing key (as SSH known hosts)."""

    node_id = models.CharField(_("node"), max_length=32, unique=True)
    url = models.URLField(_("base URL"), max_length=300)
    fingerprint = models.CharField(_("key fingerprint"), max_length=64)
    public_key = models.CharField(
        _("public key"), max_length=64, blank=True, help_text=_("JWK x; empty until fetched.")
    )
    agency = models.CharField(_("agency"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    next_seq = models.PositiveBigIntegerField(default=1)
    # The fingerprint of this node's own key that the partner knows, while it is not the
    # current one (a rotation announced, its receipt not back yet): what is signed for
    # this partner is signed with that key. Empty: the current key.
    our_key = models.CharField(max_length=64, blank=True)
    # Until when a key the partner retired is still accepted (RetiredPeerKey); None when
    # none is, so the usual look-up of its key reads no other table.
    retired_keys_until = models.DateTimeField(null=True, blank=True)
    # Delivery state, kept on the peer: the worker delivers one peer's queue in order.
    # host:pid:process start:worker number, so a restarted node can tell its dead workers'.
    lease_owner = models.CharField(max_length=128, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner node")
        verbose_name_plural = _("partner nodes")
        ordering = ["node_id"]

    def __str__(self) -> str:
        return self.node_id


class RetiredPeerKey(models.Model):
    """A partner's key replaced by one it announced: still accepted until `accepted_until`
    (receipts and envelopes signed before the partner learnt that we know the new one)."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="retired_keys")
    fingerprint = models.CharField(max_length=64)
    public_key = models.CharField(max_length=64)
    retired_at = models.DateTimeField()
    accepted_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["peer", "fingerprint"], name="one_retired_key")
        ]

    def __str__(self) -> str:
        return f"{self.peer_id} {self.fingerprint[:16]} until {self.accepted_until}"


class OutboxState(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    REJECTED = "rejected", _("rejected by the partner")
    # Failed too often without a receipt: out of the queue until an administrator retries it.
    SET_ASIDE = "set_aside", _("set aside")
    DROPPED = "dropped", _("dropped by an administrator")


class OutboxEnvelope(models.Model):
    """One message to one partner, written in the transaction of the change it reports.

    The claims are stored unsigned: the worker signs at each attempt, so `sent_at` is
    fresh when a backlog is delivered hours later. Id and seq never change.
    """

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="outbox")
    seq = models.PositiveBigIntegerField()
    envelope_id = models.UUIDField(unique=True)
    message_type = models.CharField(max_length=64)
    object_uid = models.CharField(max_length=64, blank=True)
    object_version = models.PositiveIntegerField(null=True, blank=True)
    handling = models.CharField(max_length=2)
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # Attempts that reached the partner but got no valid receipt for this envelope.
    failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who sent it (a share, an update made by them); None for withdrawals, the worker's own
    # messages, or an account since removed. The share status pages show it.
    sent_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    receipt_status = models.CharField(max_length=16, blank=True)
    reason = models.CharField(max_length=64, blank=True)
    detail = models.TextField(blank=True)
    receipt = models.TextField(blank=True, help_text=_("The partner's signed receipt (JWS)."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "seq"], name="outbox_peer_seq")]
        indexes = [
            models.Index(fields=["peer", "state", "seq"], name="outbox_queue_idx"),
            # The share status of a record (its page, GET …/shares) reads its envelopes.
            models.Index(fields=["object_uid"], name="outbox_uid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.peer_id}#{self.seq} {self.message_type}"


class InboxEnvelope(models.Model):
    """An envelope received and verified: its id answers replays with 'duplicate'."""

    envelope_id = models.UUIDField(unique=True)
    sender = models.CharField(max_length=32)
    seq = models.PositiveBigIntegerField()
    message_type = models.CharField(max_length=64)
    object_uid = models.CharField(max_length=64, blank=True)
    object_version = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16)
    effect = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=64, blank=True)
    detail = models.TextField(blank=True)
    sent_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["sender", "seq"], name="inbox_sender_seq_idx")]

    def __str__(self) -> str:
        return f"{self.sender}#{self.seq} {self.message_type} {self.status}"


class Share(models.Model):
    """A record this node currently shares with a partner (for withdrawal and resync)."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="shares")
    object_type = models.CharField(max_length=32)
    object_uid = models.UUIDField()
    shared_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shared_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["peer", "object_type", "object_uid"], name="one_share")
        ]
        indexes = [models.Index(fields=["object_uid"], name="share_uid_idx")]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_uid} → {self.peer_id}"


class Tombstone(models.Model):
    """A partner's record withdrawn here: older upserts arriving late do not revive it."""

    owner_node = models.CharField(max_length=32)
    object_type = models.CharField(max_length=32)
    object_uid = models.UUIDField()
    version = models.PositiveIntegerField()
    withdrawn_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Keyed by owner too: a partner can only bury its own records, never another's uid.
        constraints = [
            models.UniqueConstraint(fields=["owner_node", "object_uid"], name="one_tombstone")
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_uid}@{self.version}"


class RefusalTally(models.Model):
    """Unauthenticated refusals from one source, for one reason, in one time window.

    Counted here instead of one audit entry each, so a stranger posting junk cannot fill
    the audit log; the first refusal of a window and a summary at its close are audited
    (liaison/exchange/tally.py). Rows are deleted once summarised.
    """

    kind = models.CharField(max_length=16)  # envelope or query
    source = models.CharField(max_length=64)
    reason = models.CharField(max_length=32)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source", "reason", "window_start"], name="one_tally_per_window"
            )
        ]
        indexes = [models.Index(fields=["window_start"], name="tally_window_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.reason} from {self.source} x{self.count}"
