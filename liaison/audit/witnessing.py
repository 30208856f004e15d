"""The hook through which a higher layer offers witnessing to `liaison audit`.

Witnessing needs the node's key and its partners (liaison/witness/, on top of exchange),
and exchange imports audit: audit cannot import them back. So audit declares what it
needs here, and the witness app installs it from its AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class WitnessStatus(StrEnum):
    OK = "ok"  # every partner answered, every head it holds is in the chain
    DIVERGED = "diverged"  # a head a partner holds is no longer in the chain
    INCOMPLETE = "incomplete"  # a partner could not be asked: nothing can be said about it


@dataclass(frozen=True)
class WitnessCheck:
    status: WitnessStatus
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Witnessing:
    sign: Callable[[], str]  # sign the head now and send it to partners; a line to print
    check: Callable[[], WitnessCheck]  # compare the chain with the heads partners hold


_installed: list[Witnessing] = []


class NoWitnessing(LookupError):
    """No app installed witnessing on this node."""


def install(witnessing: Witnessing) -> None:
    _installed[:] = [witnessing]


def installed() -> Witnessing:
    if not _installed:
        raise NoWitnessing("Witnessing is not installed on this node (liaison.witness).")
    return _installed[0]
