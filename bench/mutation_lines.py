"""A pytest plugin for bench/mutation.py: which test runs which line of the mutated module.

Loaded with `-p mutation_lines` (bench/ on PYTHONPATH) when MUTATION_LINES_TARGET names a
source file and MUTATION_LINES_OUT a JSON file to write: {test node id: [line, ...]}. The
lines come from sys.monitoring (Python 3.12+), recorded once per test: each location is
disabled after its first event and all are re-enabled when the next test starts. Lines run
at import (module level) belong to no test.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from types import CodeType
from typing import Any

import pytest

TOOL = sys.monitoring.COVERAGE_ID
_target = os.path.realpath(os.environ.get("MUTATION_LINES_TARGET", ""))
_lines: dict[str, set[int]] = defaultdict(set)
_current: str | None = None


def _line(code: CodeType, line: int) -> Any:
    if _current is not None and code.co_filename == _target:
        _lines[_current].add(line)
    return sys.monitoring.DISABLE


def pytest_configure(config: pytest.Config) -> None:
    if _target:
        sys.monitoring.use_tool_id(TOOL, "mutation_lines")
        sys.monitoring.register_callback(TOOL, sys.monitoring.events.LINE, _line)
        sys.monitoring.set_events(TOOL, sys.monitoring.events.LINE)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    global _current
    _current = item.nodeid
    sys.monitoring.restart_events()
    try:
        return (yield)
    finally:
        _current = None


def pytest_unconfigure(config: pytest.Config) -> None:
    if _target:
        sys.monitoring.set_events(TOOL, 0)
        sys.monitoring.free_tool_id(TOOL)
        with open(os.environ["MUTATION_LINES_OUT"], "w") as out:
            json.dump({test: sorted(lines) for test, lines in _lines.items()}, out)
