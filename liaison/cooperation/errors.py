"""Why a change to a working group or a joint case is refused."""

from __future__ import annotations

from liaison.refusals import Refused


class GroupError(Refused):
    """A change to a working group that the rules refuse; the message says why, and
    `field` names the input it is about ("" for the whole)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field
