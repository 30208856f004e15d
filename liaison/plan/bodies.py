"""The parts of an action that travel and that a proposal may change, as pydantic models:
one definition for the envelope bodies, the API and the actions' own checks."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from liaison.core.field_rules import Line, Text
from liaison.exchange.protocol import NODE_ID
from liaison.plan.choices import ActionStatus, EvidenceType

NodeId = Annotated[str, Field(pattern=NODE_ID)]
MAX_OWNERS = 10
MAX_EVIDENCE = 50
MAX_MILESTONES = 30
# The parts of an action its owner changes and the other side may propose to change.
ACTION_FIELDS = [
    "title",
    "description",
    "working_group",
    "owners",
    "starts_on",
    "due_on",
    "status",
    "evidence",
    "milestones",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OwnerRef(Strict):
    """Who answers for the action on one side: the service (node) and the person."""

    service: NodeId
    person: Line = Field(min_length=1, max_length=200)


class EvidenceRef(Strict):
    """A typed reference to a record that shows the work done: resolved on display to the
    record on this node (plan/evidence.py), if it is held here and the viewer may see it."""

    type: EvidenceType
    uid: UUID


class MilestoneRef(Strict):
    """A step of the action: due by a date; the date it was reached, once it was."""

    title: Line = Field(min_length=1, max_length=200)
    due_on: date
    reached_on: date | None = None


class ProposedChanges(Strict):
    """A proposal: only the parts it would change (the others are absent)."""

    title: Line | None = Field(None, min_length=1, max_length=200)
    description: Text | None = Field(None, max_length=4000)
    working_group: Line | None = Field(None, max_length=200)
    owners: list[OwnerRef] | None = Field(None, max_length=MAX_OWNERS)
    starts_on: date | None = None
    due_on: date | None = None
    status: ActionStatus | None = None
    evidence: list[EvidenceRef] | None = Field(None, max_length=MAX_EVIDENCE)
    milestones: list[MilestoneRef] | None = Field(None, max_length=MAX_MILESTONES)

    def plain(self) -> dict[str, Any]:
        """The changes as stored (JSON): only the parts given (a milestone keeps its empty
        `reached_on`: the parts are dropped, not the empty values inside them)."""
        given = self.model_dump(mode="json")
        return {name: value for name, value in given.items() if value is not None}
