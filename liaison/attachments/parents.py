"""The records files may be attached to. An app plugs a record type in once, from its
AppConfig.ready(), with `register_parent(ParentType(...))`; the attachments app never
imports it (docs/assistance.md, "Attachments": how reports and trainings plug in)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models.signals import post_delete

from liaison.accounts.models import Actor
from liaison.attachments.cleanup import forget_attachments_of
from liaison.policy import Action


def nothing_refused(record: Any) -> str:
    return ""


def from_owner(record: Any, sender: str) -> bool:
    """Only the record's owner adds files to it: a forwarded copy takes none."""
    return bool(record.owner_node == sender and sender != settings.NODE_ID)


@dataclass(frozen=True, kw_only=True)
class ParentType:
    """One record type that takes attachments.

    - `name`: its object type (`request`), sent in the envelopes;
    - `model`: its model (a SharedRecord); deleting a record deletes its attachments (a
      partner's copy withdrawn takes the attachments with it);
    - `get_for_user(user, uid)`: the permission-scoped look-up (Http404 if not visible);
    - `upload_action`: what the policy must allow on the record to attach a file to it;
    - `upload_refusal(record)`: why nothing may be attached now ("" if it may: the
      default);
    - `partners(record)`: the nodes an attachment of this record goes to (those that
      receive the record);
    - `accepts(record, sender)`: whether partner `sender` may attach files to the record
      this node holds (by default its owner only);
    - `url_name`: the page of the record (reversed with `uid`);
    - `download_refusal(record)`: why its files may not be downloaded now ("" if they may:
      the default), e.g. a partner's H2 report before its originator's consent.
    """

    name: str
    model: type[Any]
    get_for_user: Callable[[Actor, UUID], Any]
    upload_action: Action
    partners: Callable[[Any], list[str]]
    url_name: str
    upload_refusal: Callable[[Any], str] = nothing_refused
    accepts: Callable[[Any, str], bool] = from_owner
    download_refusal: Callable[[Any], str] = nothing_refused


_PARENTS: dict[str, ParentType] = {}


def register_parent(parent: ParentType) -> None:
    _PARENTS[parent.name] = parent

    def deleted(sender: type[Any], instance: Any, **_kwargs: Any) -> None:
        forget_attachments_of(parent.name, instance.uid)

    post_delete.connect(deleted, sender=parent.model, weak=False, dispatch_uid=f"att-{parent.name}")


def parent_type(name: str) -> ParentType | None:
    return _PARENTS.get(name)


def parent_named(name: str) -> ParentType:
    """A registered parent type (KeyError if none: a record app forgot to register it)."""
    return _PARENTS[name]
