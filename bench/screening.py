"""Screening benchmark: queries against a synthetic watchlist, with blocking recall.

    python bench/screening.py [--watchlist 1000000] [--queries 100000] [--workers 2]

Prints build and screening time, candidates and hits per query, recall of the planted
true variants, peak memory (getrusage maxrss) and the recall of Screener.screen against
exhaustive scoring of every pair on a sample.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from matching_synth import Generator, Person
from tqdm import tqdm

from liaison.matching import Identity, Screener, compare
from liaison.matching.analyse import analyse
from liaison.matching.compare import NATIONALITY_SHARED
from liaison.matching.dates import YEAR_DIFFERS, _safe_parse
from liaison.matching.screen import may_reach
from liaison.matching.thresholds import SCREENING_THRESHOLD

_POOL: list[Identity] = []
_POOL_YEARS: list[set[int]] = []


def generate(args: argparse.Namespace) -> tuple[list[Identity], list[Identity], list[str | None]]:
    gen = Generator(args.seed)
    people: list[Person] = [gen.person() for _ in range(args.watchlist)]
    watchlist = [gen.identity(p, f"w{i}") for i, p in enumerate(people)]
    queries: list[Identity] = []
    sources: list[str | None] = []
    rng = random.Random(args.seed + 1)
    for _ in range(args.queries):
        if rng.random() < args.true_share:
            i = rng.randrange(len(people))
            queries.append(gen.variant(people[i]))
            sources.append(f"w{i}")
        else:
            queries.append(gen.identity(gen.person()))
            sources.append(None)
    return watchlist, queries, sources


def _years(identity: Identity) -> set[int]:
    return {d.year for d in map(_safe_parse, identity.dates_of_birth) if d is not None}


def _exhaustive(job: tuple[Identity, float]) -> set[str]:
    """Every pool person that compare() puts at or above the threshold.

    The only shortcut is exact: when every pair of recorded years is two or more apart
    the date factor is YEAR_DIFFERS, and a perfect name plus a shared nationality cannot
    reach the threshold (1 - 0.25 + 0.02 < 0.80)."""
    query, threshold = job
    qn = [analyse(n) for n in query.names]
    qy = _years(query)
    cut = threshold > 1.0 + YEAR_DIFFERS + NATIONALITY_SHARED
    found = set()
    for w, wy in zip(_POOL, _POOL_YEARS, strict=True):
        if cut and qy and wy and all(abs(a - b) >= 2 for a in qy for b in wy):
            continue
        wn = [analyse(n) for n in w.names]
        if may_reach(qn, wn, threshold) and compare(query, w).score >= threshold:
            found.add(w.id or "")
    return found


def blocking_recall(
    screener: Screener,
    watchlist: list[Identity],
    queries: list[Identity],
    sources: list[str | None],
    args: argparse.Namespace,
) -> tuple[float, int, int, int, int]:
    """Recall of screen() against scoring every pair, on sampled queries and a pool.

    Half the sampled queries are planted variants (their source joins the pool), half are
    random queries; the pool is a random sample of the watchlist plus those sources."""
    global _POOL, _POOL_YEARS
    rng = random.Random(args.seed + 2)
    planted_idx = [i for i, s in enumerate(sources) if s is not None]
    other_idx = [i for i, s in enumerate(sources) if s is None]
    half = args.recall_sample // 2
    sample = rng.sample(planted_idx, min(half, len(planted_idx)))
    sample += rng.sample(other_idx, min(args.recall_sample - len(sample), len(other_idx)))
    planted = {s for i in sample if (s := sources[i]) is not None}
    by_id = {w.id: w for w in watchlist}
    pool_ids = set(rng.sample([w.id for w in watchlist], min(args.recall_pool, len(watchlist))))
    _POOL = [by_id[i] for i in sorted((pool_ids | planted) - {None})]
    _POOL_YEARS = [_years(w) for w in _POOL]
    ids = {w.id for w in _POOL}
    jobs = [(queries[i], args.threshold) for i in sample]
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        exhaustive = pool.map(_exhaustive, jobs, chunksize=4)
    found = total = planted_total = planted_found = 0
    for i, expected in zip(sample, exhaustive, strict=True):
        got = {h.watchlist_id for h in screener.screen_one(queries[i], args.threshold)} & ids
        found += len(expected & got)
        total += len(expected)
        if sources[i] in expected:
            planted_total += 1
            planted_found += sources[i] in got
        if args.show_misses:
            for missed in sorted(expected - got):
                entry = by_id[missed]
                score = compare(queries[i], entry).score
                print(f"  missed {_describe(queries[i])} ~ {_describe(entry)}: {score:.3f}")
    return (found / total if total else 1.0), total, len(_POOL), planted_found, planted_total


def _describe(identity: Identity) -> str:
    return f"{' / '.join(identity.names)} ({', '.join(identity.dates_of_birth) or 'no date'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--watchlist", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--true-share", type=float, default=0.2)
    parser.add_argument("--threshold", type=float, default=SCREENING_THRESHOLD)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--recall-sample", type=int, default=600)
    parser.add_argument("--recall-pool", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument(
        "--show-misses", action="store_true", help="print the exhaustive hits screen() missed"
    )
    args = parser.parse_args()

    t0 = time.perf_counter()
    watchlist, queries, sources = generate(args)
    t1 = time.perf_counter()
    print(
        f"generated {len(watchlist):,} watchlist persons, {len(queries):,} queries "
        f"({args.true_share:.0%} planted variants) in {t1 - t0:.1f} s"
    )
    c1 = _cpu()
    screener = Screener(watchlist, workers=args.workers)
    t2 = time.perf_counter()
    c2 = _cpu()
    print(
        f"index built in {t2 - t1:.1f} s with {args.workers} workers "
        f"(cpu: main {c2[0] - c1[0]:.1f} s, workers {c2[1] - c1[1]:.1f} s)"
    )
    with tqdm(total=len(queries), unit="q", file=sys.stderr, mininterval=2) as bar:
        hits = screener.screen(
            queries, args.threshold, workers=args.workers, on_progress=bar.update
        )
    t3 = time.perf_counter()
    c3 = _cpu()
    stats = screener.last_stats
    by_query: dict[int, set[str]] = {}
    for h in hits:
        by_query.setdefault(h.query_index, set()).add(h.watchlist_id)
    planted = [(i, s) for i, s in enumerate(sources) if s is not None]
    recovered = sum(1 for i, s in planted if s in by_query.get(i, ()))
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        f"screened {len(queries):,} queries with {args.workers} workers in {t3 - t2:.1f} s "
        f"({len(queries) / (t3 - t2):,.0f} queries/s); build + screen {t3 - t1:.1f} s; "
        f"screening cpu: main {c3[0] - c2[0]:.1f} s, workers {c3[1] - c2[1]:.1f} s"
    )
    print(
        f"threshold {args.threshold}: gathered/query {stats.gathered / len(queries):.0f}, "
        f"scored exactly (candidates)/query {stats.candidates / len(queries):.1f}, "
        f"hits/query {len(hits) / len(queries):.2f}"
    )
    print(
        f"planted variants found: {recovered:,}/{len(planted):,} "
        f"({recovered / max(len(planted), 1):.3f})"
    )
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"cpu time so far: main {cpu.ru_utime + cpu.ru_stime:.1f} s, workers "
        f"{kids.ru_utime + kids.ru_stime:.1f} s; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    print(
        f"peak memory (maxrss): main {self_kb / 1e6:.2f} GB, largest worker {child_kb / 1e6:.2f} GB"
    )
    t4 = time.perf_counter()
    recall, total, pool, pf, pt = blocking_recall(screener, watchlist, queries, sources, args)
    print(
        f"blocking recall vs exhaustive scoring: {recall:.4f} ({total} exhaustive hits, of "
        f"which {pt} planted sources ({pf} found); {args.recall_sample} sampled queries, half "
        f"planted, x {pool:,} watchlist persons, {time.perf_counter() - t4:.1f} s)"
    )


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


if __name__ == "__main__":
    main()
