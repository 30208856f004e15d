"""A signed head of a node's audit chain, and what a set of witnessed heads says about it.

Pure Python (pydantic, joserfc): no Django import. docs/audit.md, "Witnessed heads".

A head is a JWS (`typ: liaison-head+jws`) signed with the node's Ed25519 key over
`{v, node, seq, hash, signed_at}`. It is signed apart from any envelope: a partner keeps it
and serves it back, and the node checks its own signature, so a partner cannot invent a
head; it can only keep or withhold the ones it was given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from joserfc.jwk import OKPKey
from pydantic import Field, ValidationError

from liaison.audit.chain import GENESIS
from liaison.exchange.protocol import (
    MAX_SEQ,
    NODE_ID,
    PROTOCOL_VERSION,
    Keys,
    ProtocolError,
    Reason,
    Strict,
    first_error,
    sign,
    utcnow,
    verify,
)

HEAD_TYP = "liaison-head+jws"


class Head(Strict):
    """What a node signs: its chain had `seq` entries, the last with `hash`, at `signed_at`."""

    v: Literal[1]
    node: str = Field(pattern=NODE_ID)
    seq: int = Field(ge=0, le=MAX_SEQ)  # 0: the chain was empty (hash GENESIS)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    signed_at: datetime


def sign_head(*, node: str, seq: int, digest: str, key: OKPKey) -> str:
    claims = {
        "v": PROTOCOL_VERSION,
        "node": node,
        "seq": seq,
        "hash": digest,
        "signed_at": utcnow().isoformat(),
    }
    return sign(claims, key, typ=HEAD_TYP)


def open_head(token: str, key: Keys) -> Head:
    """The head, if `key` signed it; ProtocolError (bad_signature, bad_schema) otherwise."""
    claims = verify(token, key, typ=HEAD_TYP)
    try:
        return Head.model_validate(claims)
    except ValidationError as error:
        raise ProtocolError(Reason.BAD_SCHEMA, first_error(error)) from None


@dataclass(frozen=True)
class Witnessed:
    """A head of this node, as one partner holds it."""

    partner: str
    head: Head


@dataclass(frozen=True)
class Divergence:
    """The earliest witnessed head the chain no longer contains, and the last one before it
    that it still does: the first altered entry lies after `last_good`, at or before
    `first_bad`. Nothing finer can be known from heads alone."""

    first_bad: Witnessed
    now: str  # the chain's hash at first_bad's seq today, or "" if the chain ends before it
    last_good: Witnessed | None

    @property
    def first_altered_range(self) -> tuple[int, int]:
        low = self.last_good.head.seq + 1 if self.last_good is not None else 1
        return low, self.first_bad.head.seq


def first_divergence(
    heads: Iterable[Witnessed], chain: Mapping[int, str], chain_end: int
) -> Divergence | None:
    """Compare witnessed heads with the chain (`chain` maps seq to hash for at least the
    heads' seqs up to `chain_end`); None when every head is in the chain."""
    ordered = sorted(heads, key=lambda w: (w.head.seq, w.head.signed_at))
    first = next((w for w in ordered if not _in_chain(w.head, chain, chain_end)), None)
    if first is None:
        return None
    # Sorted by seq: every head before the first bad one is in the chain.
    before = [w for w in ordered if w.head.seq < first.head.seq]
    now = chain.get(first.head.seq, "") if first.head.seq <= chain_end else ""
    return Divergence(first, now, before[-1] if before else None)


def _in_chain(head: Head, chain: Mapping[int, str], chain_end: int) -> bool:
    if head.seq == 0:
        return head.hash == GENESIS
    return head.seq <= chain_end and chain.get(head.seq) == head.hash
