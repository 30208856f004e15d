"""Name-matching benchmark on the dev pairs, with baselines measured in the same run.

    python bench/matching.py [--pairs PATH] [--errors N] [--calibration]

Prints, per matcher: recall at precision 0.95 for ar-lat and lat-lat pairs, the best F1 over
both kinds at one threshold (and that threshold), and compare_names throughput.

--calibration prints instead the calibration table of liaison's name score: per score band
and kind (ar-lat, lat-lat, both) and per winning rule, the pairs in the band and the share
of them that are the same name (observed precision in the band), then precision and recall
at each operating threshold of liaison/matching/thresholds.py. The dev set has one
negative pair for each 1.5 positives and no dates of birth: a band's precision is that of
the name score at this mix, not of a real watchlist (far more negatives).
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

from liaison.matching import ALGORITHM, compare_names, thresholds
from liaison.matching.analyse import analyse
from liaison.matching.names import match_names, score_names

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


# Score bands of the calibration table: [low, high), the last one closed at 1.00.
BANDS = [(0.0, 0.5)] + [(round(x, 2), round(x + 0.05, 2)) for x in np.arange(0.5, 1.0, 0.05)]
# The operating thresholds a calibration row is checked at (name -> value).
NAMED = {
    "SEARCH_THRESHOLD": thresholds.SEARCH_THRESHOLD,
    "KNOWN_AS_SCORE": thresholds.KNOWN_AS_SCORE,
    "SCREENING_THRESHOLD": thresholds.SCREENING_THRESHOLD,
    "RELATIVE_SCORE": thresholds.RELATIVE_SCORE,
}


def band_of(score: float) -> int:
    """Index in BANDS of the band holding ``score`` (1.00 in the last band)."""
    return min(len(BANDS) - 1, next(i for i, (_, hi) in enumerate(BANDS) if score < hi or hi >= 1))


def _cell(labels: np.ndarray) -> str:
    if not len(labels):
        return f"{'-':>6s} {'':>6s}"
    return f"{len(labels):6,d} {labels.mean():6.3f}"


def calibration(rows: Sequence[dict[str, str]]) -> None:
    """Observed precision per score band, by kind and by winning rule; then per threshold."""
    scored = [score_names(analyse(r["name_a"]), analyse(r["name_b"])) for r in rows]
    scores = np.array([s for s, _ in scored])
    rules = np.array([rule for _, rule in scored])
    labels = np.array([int(r["label"]) for r in rows])
    kinds = np.array([r["kind"] for r in rows])
    bands = np.array([band_of(s) for s in scores])
    groups = {"ar-lat": kinds == "ar-lat", "lat-lat": kinds == "lat-lat", "both": kinds != ""}
    rule_names = sorted(set(rules), key=lambda r: -int((rules == r).sum()))
    groups |= {r: rules == r for r in rule_names}
    header = "".join(f"{g:>15s}" for g in groups)
    print(f"calibration of {ALGORITHM} name scores: pairs in band, precision (share same name)")
    print(f"{'band':11s}{header}")
    for i, (lo, hi) in reversed(list(enumerate(BANDS))):
        close = "]" if hi >= 1 else ")"
        cells = "".join(f"  {_cell(labels[(bands == i) & g])}" for g in groups.values())
        named = [n for n, t in NAMED.items() if band_of(t) == i]
        print(f"[{lo:.2f},{hi:.2f}{close}{cells}  {', '.join(named)}".rstrip())
    print("\nat each operating threshold (score >= t): precision, recall")
    for name, t in NAMED.items():
        parts = []
        for kind in ("ar-lat", "lat-lat", "both"):
            sel, yes = groups[kind], scores >= t - 1e-9
            hit = labels[sel & yes]
            recall = hit.sum() / max(1, labels[sel].sum())
            parts.append(f"{kind} P {hit.mean() if len(hit) else 0:.3f} R {recall:.3f}")
        print(f"{name:22s} {t:.2f}  " + "   ".join(parts))
    print("\nlowest threshold reaching precision 0.95 (score >= t), by kind")
    cuts = (
        f"{k} t={threshold_at_precision(scores[g], labels[g], 0.95):.3f}"
        for k, g in list(groups.items())[:3]
    )
    print("   ".join(cuts))


def threshold_at_precision(scores: np.ndarray, labels: np.ndarray, target: float) -> float:
    """Lowest threshold (score >= t) whose precision is at least ``target`` (1.0 if none)."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    last = np.r_[s[1:] != s[:-1], True]
    ok = last & (tp / np.arange(1, len(y) + 1) >= target)
    return float(s[ok].min()) if ok.any() else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--errors", type=int, default=0, help="print N worst errors")
    parser.add_argument("--threshold", type=float, default=0.8, help="for --errors")
    parser.add_argument("--calibration", action="store_true", help="print the calibration table")
    args = parser.parse_args()
    rows = load(args.pairs)
    print(f"pairs: {len(rows)} from {args.pairs.name}")
    if args.calibration:
        calibration(rows)
        return
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
