"""What a set of witnessed heads says about a chain: pure code, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from joserfc.jwk import OKPKey

from liaison.exchange.protocol import ProtocolError, Reason
from liaison.witness.heads import Head, Witnessed, first_divergence, open_head, sign_head

MA = OKPKey.generate_key("Ed25519")
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def witnessed(seq: int, digest: str, partner: str = "fr") -> Witnessed:
    head = Head(v=1, node="ma", seq=seq, hash=digest, signed_at=T0 + timedelta(minutes=seq))
    return Witnessed(partner, head)


def h(n: int) -> str:
    return f"{n:064x}"


CHAIN = {seq: h(seq) for seq in range(1, 31)}


def test_a_signed_head_opens_with_the_signers_key_only() -> None:
    token = sign_head(node="ma", seq=3, digest=h(3), key=MA)
    head = open_head(token, MA)
    assert (head.node, head.seq, head.hash) == ("ma", 3, h(3))
    with pytest.raises(ProtocolError) as caught:
        open_head(token, OKPKey.generate_key("Ed25519"))
    assert caught.value.reason == Reason.BAD_SIGNATURE


def test_heads_that_are_all_in_the_chain_show_no_divergence() -> None:
    heads = [witnessed(10, h(10)), witnessed(20, h(20), "xx"), witnessed(30, h(30))]
    assert first_divergence(heads, CHAIN, 30) is None


def test_it_names_the_range_between_the_last_matching_and_the_first_differing_head() -> None:
    altered = {**CHAIN, **{seq: h(1000 + seq) for seq in range(15, 31)}}
    heads = [witnessed(10, h(10)), witnessed(20, h(20), "xx"), witnessed(30, h(30))]
    divergence = first_divergence(heads, altered, 30)
    assert divergence is not None
    assert divergence.first_bad.head.seq == 20 and divergence.first_bad.partner == "xx"
    assert divergence.now == h(1020)
    assert divergence.last_good is not None and divergence.last_good.head.seq == 10
    assert divergence.first_altered_range == (11, 20)


def test_consecutive_heads_name_the_altered_entry_exactly() -> None:
    altered = {**CHAIN, 11: h(1011)}
    divergence = first_divergence([witnessed(10, h(10)), witnessed(11, h(11))], altered, 11)
    assert divergence is not None and divergence.first_altered_range == (11, 11)


def test_a_chain_cut_short_diverges_at_the_first_head_beyond_its_end() -> None:
    divergence = first_divergence([witnessed(10, h(10)), witnessed(25, h(25))], CHAIN, 20)
    assert divergence is not None
    assert divergence.first_bad.head.seq == 25 and divergence.now == ""
    assert divergence.first_altered_range == (11, 25)


def test_without_an_earlier_head_it_says_the_chain_may_differ_from_the_start() -> None:
    divergence = first_divergence([witnessed(5, h(999))], CHAIN, 30)
    assert divergence is not None and divergence.last_good is None
    assert divergence.first_altered_range == (1, 5)


def test_a_conflicting_head_at_a_matching_seq_is_a_divergence() -> None:
    divergence = first_divergence([witnessed(10, h(10)), witnessed(10, h(77), "xx")], CHAIN, 30)
    assert divergence is not None and divergence.first_bad.partner == "xx"


def test_the_head_code_imports_no_django() -> None:
    import subprocess
    import sys

    code = (
        "import sys, liaison.witness.heads; print(any(m.startswith('django') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
