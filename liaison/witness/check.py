"""`liaison audit verify --witnessed`: the chain against the heads partners hold for it.

Run after the plain verification (the chain is consistent with itself and its head row):
each partner is asked live for the heads it holds of this node, each head's signature is
checked with this node's own key, and the chain must still contain every one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from pydantic import ValidationError

from liaison.audit.actions import chain_head
from liaison.audit.models import AuditEntry
from liaison.audit.witnessing import WitnessCheck, WitnessStatus
from liaison.exchange.ask import QueryError, ask
from liaison.exchange.models import Peer
from liaison.exchange.protocol import Keys, ProtocolError, Strict
from liaison.exchange.rotation import own_public_keys
from liaison.witness.actions import HEADS_QUERY, witness_head
from liaison.witness.heads import Divergence, Witnessed, first_divergence, open_head

CHUNK = 1000


class HeadsPage(Strict):
    heads: list[str]
    next: int | None


def fetch_heads(peer: Peer) -> list[str]:
    """Every head `peer` holds of this node, page by page."""
    tokens: list[str] = []
    after = 0
    while True:
        try:
            page = HeadsPage.model_validate(ask(peer, HEADS_QUERY, {"after": after}))
        except ValidationError as error:
            raise QueryError(f"{peer.node_id}: not a page of heads") from error
        tokens.extend(page.heads)
        if page.next is None:
            return tokens
        if page.next <= after:
            raise QueryError(f"{peer.node_id}: the pages of heads do not advance")
        after = page.next


def own_heads(partner: str, tokens: Iterable[str], key: Keys) -> tuple[list[Witnessed], int]:
    """The heads this node signed, about its own chain; and how many others were served."""
    mine, others = [], 0
    for token in tokens:
        try:
            head = open_head(token, key)
        except ProtocolError:
            others += 1
            continue
        if head.node != settings.NODE_ID:
            others += 1
            continue
        mine.append(Witnessed(partner, head))
    return mine, others


def chain_hashes(seqs: set[int]) -> dict[int, str]:
    wanted, found = sorted(seqs), dict[int, str]()
    for start in range(0, len(wanted), CHUNK):
        rows = AuditEntry.objects.filter(seq__in=wanted[start : start + CHUNK])
        found.update(rows.values_list("seq", "hash"))
    return found


def check_witnessed() -> WitnessCheck:
    partners = list(Peer.objects.order_by("node_id"))
    if not partners:
        return WitnessCheck(WitnessStatus.INCOMPLETE, ["WITNESSED: no partner to ask."])
    heads: list[Witnessed] = []
    lines, complete = [], True
    own_keys = own_public_keys()
    for peer in partners:
        try:
            mine, others = own_heads(peer.node_id, fetch_heads(peer), own_keys)
        except QueryError as error:
            lines.append(f"  {peer.node_id}: could not be asked: {error}")
            complete = False
            continue
        heads.extend(mine)
        ignored = f", {others} ignored (not signed by this node)" if others else ""
        lines.append(f"  {peer.node_id}: {len(mine)} heads{ignored}")
    end, _ = chain_head()
    divergence = first_divergence(heads, chain_hashes({w.head.seq for w in heads}), end)
    if divergence is not None:
        return WitnessCheck(WitnessStatus.DIVERGED, [*describe(divergence, end), *lines])
    if not complete:
        return WitnessCheck(WitnessStatus.INCOMPLETE, [_summary(heads, partial=True), *lines])
    return WitnessCheck(WitnessStatus.OK, [_summary(heads, partial=False), *lines])


def describe(divergence: Divergence, end: int) -> list[str]:
    bad, good = divergence.first_bad, divergence.last_good
    now = (
        f"the chain's hash there is now {divergence.now}"
        if divergence.now
        else f"the chain now ends at seq {end}"
    )
    lines = [
        f"DIVERGED at entry seq {bad.head.seq}: the chain no longer contains the head that "
        f"{bad.partner} witnessed (signed {bad.head.signed_at.isoformat()}, hash "
        f"{bad.head.hash}); {now}."
    ]
    if good is None:
        lines.append("No earlier witnessed head: nothing before it is confirmed.")
    else:
        lines.append(
            f"Entries up to seq {good.head.seq} still match the head that {good.partner}"
            f" witnessed (signed {good.head.signed_at.isoformat()})."
        )
    low, high = divergence.first_altered_range
    where = f"seq {high}" if low == high else f"between seq {low} and seq {high}"
    lines.append(f"The first altered entry is {where}.")
    return lines


def _summary(heads: list[Witnessed], *, partial: bool) -> str:
    prefix = "WITNESSED (some partners could not be asked)" if partial else "WITNESSED"
    if not heads:
        return f"{prefix}: no head held by any partner yet."
    latest = max(heads, key=lambda w: w.head.seq)
    return (
        f"{prefix}: {len(heads)} heads held by partners are all in the chain; the latest, "
        f"seq {latest.head.seq}, signed {latest.head.signed_at.isoformat()}; later entries "
        "are not witnessed yet."
    )


def sign_now() -> str:
    """`liaison audit witness`: what it prints."""
    row = witness_head()
    partners = list(Peer.objects.order_by("node_id").values_list("node_id", flat=True))
    sent = f"queued for {', '.join(partners)}" if partners else "no partner to send it to"
    return f"signed head seq {row.seq} hash {row.hash}; {sent}"
