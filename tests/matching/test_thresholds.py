"""The operating thresholds live in one module and keep the order their comments promise."""

from __future__ import annotations

import ast
from pathlib import Path

from liaison.matching import dates, thresholds
from liaison.matching.compare import NATIONALITY_SHARED

MATCHING = Path(thresholds.__file__).parent


def test_no_other_module_of_the_matcher_writes_a_threshold_as_a_number() -> None:
    written = []
    for path in sorted(MATCHING.glob("*.py")):
        if path.name == "thresholds.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            if isinstance(getattr(node, "value", None), ast.Constant):
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                written += [f"{path.name}: {n}" for n in names if n.endswith("THRESHOLD")]
    assert written == []


def test_a_short_form_is_a_screening_candidate_but_never_a_search_match_on_its_name() -> None:
    assert thresholds.SCREENING_THRESHOLD <= thresholds.KNOWN_AS_SCORE
    assert thresholds.KNOWN_AS_SCORE < thresholds.SEARCH_THRESHOLD


def test_a_relative_needs_the_same_full_date_to_be_screened_and_is_never_searched() -> None:
    best_evidence = dates.FULL_MATCH + NATIONALITY_SHARED
    assert thresholds.RELATIVE_SCORE < thresholds.SCREENING_THRESHOLD
    assert thresholds.RELATIVE_SCORE + dates.FULL_MATCH >= thresholds.SCREENING_THRESHOLD
    assert thresholds.RELATIVE_SCORE + best_evidence < thresholds.SEARCH_THRESHOLD


def test_search_and_mentions_share_one_threshold_and_screening_is_below_it() -> None:
    assert thresholds.LOOKUP_FULL_THRESHOLD == thresholds.SEARCH_THRESHOLD
    assert thresholds.MENTION_THRESHOLD == thresholds.SEARCH_THRESHOLD
    assert thresholds.SCREENING_THRESHOLD < thresholds.SEARCH_THRESHOLD
