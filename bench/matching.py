"""Name-matching benchmark on the dev pairs, with baselines measured in the same run.

    python bench/matching.py [--pairs PATH] [--errors N]

Prints, per matcher: recall at precision 0.95 for ar-lat and lat-lat pairs, the best F1 over
both kinds at one threshold (and that threshold), and compare_names throughput.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from liaison.matching import ALGORITHM, compare_names
from liaison.matching.analyse import analyse
from liaison.matching.names import match_names

DEFAULT_PAIRS = Path(__file__).resolve().parents[2] / "shared/data/names/wd_dev_pairs.csv"
Scorer = Callable[[str, str], float]


def load(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def recall_at_precision(scores: np.ndarray, labels: np.ndarray, target: float) -> float:
    """Largest recall over thresholds whose precision is at least ``target``."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    fp = np.cumsum(1 - y)
    last = np.r_[s[1:] != s[:-1], True]  # only cut between distinct scores
    ok = last & (tp / np.maximum(tp + fp, 1) >= target)
    return float(tp[ok].max() / y.sum()) if ok.any() else 0.0


def best_f1(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Best F1 over thresholds, and the threshold (score >= t is a match) reaching it."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    fp = np.cumsum(1 - y)
    last = np.r_[s[1:] != s[:-1], True]
    f1 = np.where(last, 2 * tp / (tp + fp + y.sum()), 0.0)
    i = int(np.argmax(f1))
    return float(f1[i]), float(s[i])


def baselines() -> dict[str, Scorer]:
    from anyascii import anyascii
    from rapidfuzz import fuzz

    def ascii_name(x: str) -> str:
        return anyascii(x).lower()

    return {
        "rapidfuzz WRatio/anyascii": lambda a, b: fuzz.WRatio(ascii_name(a), ascii_name(b)) / 100,
        "rapidfuzz token_set/anyascii": lambda a, b: (
            fuzz.token_set_ratio(ascii_name(a), ascii_name(b)) / 100
        ),
    }


def nomenklatura_scorer() -> Scorer | None:
    """nomenklatura logic-v2 name score, when it is installed (optional, never a dependency)."""
    try:
        from followthemoney import model
        from nomenklatura.matching import LogicV2, ScoringConfig
    except ImportError:
        return None

    config = ScoringConfig.defaults()

    def score(a: str, b: str) -> float:
        ea = model.make_entity("Person")
        ea.id = "a"
        ea.add("name", a)
        eb = model.make_entity("Person")
        eb.id = "b"
        eb.add("name", b)
        return float(LogicV2.compare(ea, eb, config).score)

    # Warm up on a Latin pair: in 4.17.4, a first call on Arabic script leaves every later
    # score at 0 (initialisation-order bug seen while building this bench).
    score("John Smith", "Jon Smith")
    return score


def evaluate(name: str, scorer: Scorer, rows: Sequence[dict[str, str]]) -> None:
    scores = np.array([scorer(r["name_a"], r["name_b"]) for r in rows])
    labels = np.array([int(r["label"]) for r in rows])
    kinds = np.array([r["kind"] for r in rows])
    per_kind = {
        k: recall_at_precision(scores[kinds == k], labels[kinds == k], 0.95)
        for k in ("ar-lat", "lat-lat")
    }
    f1, threshold = best_f1(scores, labels)
    print(
        f"{name:34s} ar-lat R@P.95 {per_kind['ar-lat']:.3f}   lat-lat R@P.95 "
        f"{per_kind['lat-lat']:.3f}   both best F1 {f1:.3f} at t={threshold:.3f}"
    )


def throughput(rows: Sequence[dict[str, str]]) -> tuple[float, float]:
    """compare_names pairs per CPU second (process time, so other load on the machine does
    not count): cold (each name analysed on first sight) and warm (analyses cached)."""
    pairs = [(r["name_a"], r["name_b"]) for r in rows]
    analyse.cache_clear()
    start = time.process_time()
    for a, b in pairs:
        compare_names(a, b)
    cold = len(pairs) / (time.process_time() - start)
    start = time.process_time()
    for _ in range(3):
        for a, b in pairs:
            compare_names(a, b)
    warm = 3 * len(pairs) / (time.process_time() - start)
    return cold, warm


def show_errors(rows: Sequence[dict[str, str]], n: int, threshold: float) -> None:
    scored = [(compare_names(r["name_a"], r["name_b"]), r) for r in rows]
    fns = sorted((x for x in scored if x[1]["label"] == "1" and x[0] < threshold), key=_k)[::-1]
    fps = sorted((x for x in scored if x[1]["label"] == "0" and x[0] >= threshold), key=_k)
    for title, items in (("false negatives", fns[:n]), ("false positives", fps[-n:])):
        print(f"\n{title} (of {len(fns) if 'neg' in title else len(fps)})")
        for s, r in items:
            m = match_names(r["name_a"], r["name_b"])
            keys = [(p.key_a, p.key_b) for p in m.pairs]
            print(f"{s:.3f} {r['kind']} {r['name_a']} | {r['name_b']} {keys} {m.rule}")


def _k(x: tuple[float, dict[str, str]]) -> float:
    return x[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--errors", type=int, default=0, help="print N worst errors")
    parser.add_argument("--threshold", type=float, default=0.8, help="for --errors")
    args = parser.parse_args()
    rows = load(args.pairs)
    print(f"pairs: {len(rows)} from {args.pairs.name}")
    evaluate(f"liaison {ALGORITHM}", compare_names, rows)
    for name, scorer in baselines().items():
        evaluate(name, scorer, rows)
    nk = nomenklatura_scorer()
    if nk is None:
        print(f"{'nomenklatura logic-v2 4.17.4':34s} not installed")
    else:
        evaluate("nomenklatura logic-v2", nk, rows)
    cold, warm = throughput(rows)
    print(
        f"compare_names throughput (one process, per CPU second): {cold:,.0f} pairs/s with "
        f"every name analysed for the first time, {warm:,.0f} pairs/s with analyses cached"
    )
    if args.errors:
        show_errors(rows, args.errors, args.threshold)


if __name__ == "__main__":
    main()
