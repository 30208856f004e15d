"""Screener: blocking finds variants, incremental add/remove, forked workers agree."""

import pytest

from liaison.matching import Identity, Screener

WATCHLIST = [
    Identity.of("Mohamed Ben Ahmed Abdelghani", id="w1", dob="1980-05-17"),
    Identity.of("عبد اللطيف بن أحمد", id="w2"),
    Identity.of("Youssef El Amrani", id="w3", sex="M"),
    Identity.of("Fatima Zahra Bennani", id="w4", sex="F"),
    Identity.of("Jean Dupont", id="w5"),
    *[Identity.of(f"Mohamed Filler{i} Ali", id=f"f{i}") for i in range(50)],
]
QUERIES = [
    Identity.of("Muhammad ibn Ahmad Abd al-Ghani", dob="1980-17-05"[:4]),
    Identity.of("Abdellatif Benahmed"),
    Identity.of("EL AMRANI Yusuf"),
    Identity.of("Pierre Martin"),
]


@pytest.fixture
def screener() -> Screener:
    return Screener(WATCHLIST)


def _found(screener: Screener, query: Identity) -> list[str]:
    return [h.watchlist_id for h in screener.screen_one(query, 0.8)]


def test_it_finds_variants_across_scripts_and_conventions(screener: Screener) -> None:
    assert [_found(screener, q)[:1] for q in QUERIES] == [["w1"], ["w2"], ["w3"], []]


def test_hits_carry_the_evidence(screener: Screener) -> None:
    hits = screener.screen(QUERIES, 0.8)
    assert {h.query_index for h in hits} == {0, 1, 2}
    assert all(h.match.names.pairs for h in hits)


def test_common_parts_do_not_flood_the_candidates(screener: Screener) -> None:
    # 50 entries share Mohamed and Ali; none can reach the threshold with Zidane.
    assert len(screener.candidates(Identity.of("Mohamed Zidane"))) <= 5


def test_add_and_remove_do_not_rebuild(screener: Screener) -> None:
    index = screener._index
    packed = index._packed
    screener.add(Identity.of("Yousef Amrany", id="w9"))
    screener.remove("w3")
    assert screener._index is index and index._packed is packed
    assert _found(screener, QUERIES[2]) == ["w9"]
    assert "w3" not in screener and "w9" in screener


def test_it_refuses_entries_without_or_with_duplicate_ids(screener: Screener) -> None:
    with pytest.raises(ValueError):
        screener.add(Identity.of("No Id"))
    with pytest.raises(ValueError):
        screener.add(Identity.of("Again", id="w1"))
    with pytest.raises(KeyError):
        screener.remove("nobody")


def test_forked_workers_return_the_same_hits(screener: Screener) -> None:
    one = screener.screen(QUERIES * 5, 0.8, workers=1, chunk_size=3)
    two = screener.screen(QUERIES * 5, 0.8, workers=2, chunk_size=3)
    assert sorted((h.query_index, h.watchlist_id) for h in one) == sorted(
        (h.query_index, h.watchlist_id) for h in two
    )
    assert screener.last_stats.queries == 20


def test_hit_evidence_is_what_compare_gives(screener: Screener) -> None:
    # Hits reuse the build's analyses instead of calling compare(); the Match must not differ.
    from liaison.matching import compare

    by_id = {w.id: w for w in WATCHLIST}
    queries = [*QUERIES, Identity.of("Mohamed Ali", "محمد علي", dob="1980")]
    hits = screener.screen(queries, 0.8)
    assert hits
    for h in hits:
        assert h.match == compare(queries[h.query_index], by_id[h.watchlist_id])
