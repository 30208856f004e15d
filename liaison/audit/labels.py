"""Audit entries in words: the labels officers and auditors read instead of stored codes.

The log stores codes (`collect`, `person`, `review_date`, `{"attached": {...}}`) so that
it hashes the same in every language; pages and the CSV export show them through here.
Audit imports nothing above it, so the apps that log entries register their own words
from their AppConfig.ready(): their models (object type -> verbose name, field -> the
field's verbose name and choice labels), the parts they log that are not model fields,
the other object types they use and the detail keys they write.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.audit.choices import Action

type Label = str | Promise
type ValueFormatter = Callable[[Any], str]

# What happened to a record, as its timeline says it.
TIMELINE_VERBS: dict[str, Label] = {
    Action.COLLECT: gettext_lazy("Recorded"),
    Action.ALTER: gettext_lazy("Changed"),
    Action.CONSULT: gettext_lazy("Consulted"),
    Action.DISCLOSE: gettext_lazy("Shared"),
    Action.RECEIVE: gettext_lazy("Received"),
    Action.COMBINE: gettext_lazy("Combined"),
    Action.ERASE: gettext_lazy("Erased"),
    Action.LOGIN: gettext_lazy("Signed in"),
    Action.LOGIN_FAILED: gettext_lazy("Sign-in refused"),
    Action.PERMISSION_DENIED: gettext_lazy("Refused"),
    Action.ADMIN: gettext_lazy("Administration"),
}

# The last part of an exchange message type (`person.upsert`).
MESSAGE_VERBS: dict[str, Label] = {
    "upsert": gettext_lazy("new or changed"),
    "withdraw": gettext_lazy("withdrawn"),
    "notify": gettext_lazy("notification"),
    "head": gettext_lazy("signed head"),
    "heads": gettext_lazy("signed heads"),
}

_object_types: dict[str, Label] = {
    "audit_log": gettext_lazy("audit log"),
}
_models: dict[str, type[models.Model]] = {}
_fields: dict[str, dict[str, Label]] = {}
_formatters: dict[tuple[str, str], ValueFormatter] = {}
_detail_keys: dict[str, Label] = {
    "export": gettext_lazy("export"),
    "filters": gettext_lazy("filters"),
    "redacted_seqs": gettext_lazy("redacted entries"),
    "factor": gettext_lazy("factor"),
    "username": gettext_lazy("username tried"),
    "locked_out": gettext_lazy("locked out"),
    "reason": gettext_lazy("reason"),
    "version": gettext_lazy("version"),
    "count": gettext_lazy("count"),
    "status": gettext_lazy("status"),
    "attempted": gettext_lazy("attempted"),
}
_detail_values: dict[str, Label] = {
    "password": gettext_lazy("password"),
    "csv": "CSV",
    "xlsx": "XLSX",
    "applied": gettext_lazy("applied"),
    "rejected": gettext_lazy("rejected"),
    "duplicate": gettext_lazy("duplicate"),
    "answered": gettext_lazy("answered"),
}


def register_model(
    model: type[models.Model],
    *,
    object_type: str = "",
    fields: Mapping[str, Label] | None = None,
    formatters: Mapping[str, ValueFormatter] | None = None,
) -> None:
    """Entries about `object_type` (the model's name by default) are labelled from the
    model: its verbose name, its fields' verbose names and choices. `fields` names the
    logged parts that are not fields; `formatters` turn a logged value into words."""
    name = object_type or model._meta.model_name or ""
    _models[name] = model
    _object_types[name] = model._meta.verbose_name or name
    _fields[name] = dict(fields or {})
    for field, formatter in (formatters or {}).items():
        _formatters[(name, field)] = formatter


def register_object_types(labels: Mapping[str, Label]) -> None:
    """Object types that are not models (`person-search`, `envelope`...)."""
    _object_types.update(labels)


def register_detail(keys: Mapping[str, Label], values: Mapping[str, Label] | None = None) -> None:
    """Words for the detail keys an app writes, and for the codes it stores as values."""
    _detail_keys.update(keys)
    _detail_values.update(values or {})


def action_label(code: str) -> str:
    """The legal name of the action (Collection, Alteration...), for auditors."""
    try:
        return str(Action(code).label)
    except ValueError:
        return _humanise(code)


def action_verb(code: str) -> str:
    """What happened (Recorded, Changed...), for a record's timeline."""
    verb = TIMELINE_VERBS.get(code)
    return str(verb) if verb is not None else action_label(code)


def object_type_label(code: str) -> str:
    """`person` -> "person"; `person.upsert` -> "person (new or changed)"; never a bare code
    with punctuation (unknown ones are made readable)."""
    if code in _object_types:
        return str(_object_types[code])
    head, dot, tail = code.rpartition(".")
    if dot and head in _object_types:
        verb = MESSAGE_VERBS.get(tail)
        return f"{_object_types[head]} ({verb if verb is not None else _humanise(tail)})"
    if dot and code.startswith("audit."):
        return f"{_object_types['audit_log']} ({MESSAGE_VERBS.get(tail, _humanise(tail))})"
    return _humanise(code)


def field_label(object_type: str, field: str) -> str:
    """The field's verbose name (registered parts first), or the code made readable."""
    extra = _fields.get(object_type, {})
    if field in extra:
        return str(extra[field])
    model_field = _model_field(object_type, field)
    if model_field is not None:
        return str(model_field.verbose_name)
    return _humanise(field)


def value_text(object_type: str, field: str, value: Any) -> str:
    """A logged value in words: choice labels, lists joined, dates as dates, "—" for none."""
    formatter = _formatters.get((object_type, field))
    if formatter is not None and value not in (None, "", []):
        if isinstance(value, list):
            return ", ".join(formatter(item) for item in value) or "—"
        return formatter(value)
    model_field = _model_field(object_type, field)
    choices = dict(model_field.flatchoices) if model_field is not None else {}
    return _plain(value, choices)


@dataclass(frozen=True)
class Change:
    """One altered field of an entry, in words."""

    field: str
    old: str
    new: str


def changes_in_words(object_type: str, changes: Any) -> list[Change]:
    """`{"review_date": ["2026-01-01", "2026-06-01"]}` -> [Change("review date", ...)];
    redacted changes (NULL) give nothing."""
    if not isinstance(changes, dict):
        return []
    described = []
    for name in sorted(changes):
        pair = changes[name]
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        described.append(
            Change(
                field_label(object_type, name),
                value_text(object_type, name, old),
                value_text(object_type, name, new),
            )
        )
    return described


def changed_field_labels(object_type: str, changes: Any) -> list[str]:
    """The names of the altered fields only (what the auditor's view shows)."""
    if not isinstance(changes, dict):
        return []
    return [field_label(object_type, name) for name in sorted(changes)]


def detail_in_words(detail: Any) -> list[tuple[str, str]]:
    """An entry's detail as (label, text) pairs: `{"attached": {"warrants": []}}` reads
    "attached records: warrants: none", not a Python repr."""
    if not isinstance(detail, dict):
        return [] if detail in (None, "") else [(_("detail"), _plain(detail, {}))]
    return [(detail_key_label(key), _detail_value(value)) for key, value in detail.items()]


def detail_key_label(key: str) -> str:
    return str(_detail_keys[key]) if key in _detail_keys else _humanise(key)


def _detail_value(value: Any) -> str:
    if isinstance(value, dict):
        parts = [f"{detail_key_label(k)}: {_detail_value(v)}" for k, v in value.items()]
        return "; ".join(parts) or _("none")
    if isinstance(value, list):
        return ", ".join(_detail_value(item) for item in value) or _("none")
    if isinstance(value, str) and value in _detail_values:
        return str(_detail_values[value])
    return _plain(value, {})


def _plain(value: Any, choices: Mapping[Any, Any]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return ", ".join(_plain(item, choices) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_humanise(str(k))}: {_plain(v, choices)}" for k, v in value.items())
    if isinstance(value, datetime.date):
        return date_format(value, "Y-m-d")
    if choices and value in choices:
        return str(choices[value])
    return str(value)


def _model_field(object_type: str, field: str) -> models.Field[Any, Any] | None:
    model = _models.get(object_type)
    if model is None:
        return None
    try:
        found = model._meta.get_field(field)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None  # not a reverse relation


def _humanise(code: str) -> str:
    """A last resort for a code nobody registered: `review_date` -> "review date"."""
    return code.replace("_", " ").replace("-", " ").replace(".", " ").strip() or "—"
