"""Plugging witnessing into the exchange (message, query, periodic job) and audit (commands)."""

from __future__ import annotations

from liaison.audit.witnessing import Witnessing, install
from liaison.exchange.ask import register_query
from liaison.exchange.receive import register
from liaison.exchange.worker import register_periodic
from liaison.witness.actions import (
    HEAD_MESSAGE,
    HEADS_QUERY,
    HeadBody,
    HeadsQueryBody,
    answer_heads,
    apply_head,
    poll_seconds,
    witness_if_due,
)
from liaison.witness.check import check_witnessed, sign_now


def plug_in() -> None:
    register(HEAD_MESSAGE, HeadBody, apply_head)
    register_query(HEADS_QUERY, HeadsQueryBody, answer_heads)
    register_periodic("witness", witness_if_due, poll_seconds)
    install(Witnessing(sign=sign_now, check=check_witnessed))
