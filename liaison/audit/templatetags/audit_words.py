"""Audit entries in words on pages (`{% load audit_words %}`); see liaison.audit.labels."""

from __future__ import annotations

from django import template

from liaison.audit import labels
from liaison.audit.models import AuditEntry

register = template.Library()


@register.filter
def object_type_words(code: str) -> str:
    return labels.object_type_label(code) if code else ""


@register.filter
def changed_field_words(entry: AuditEntry) -> list[str]:
    """The altered fields' names only: their values are record content (docs/audit.md)."""
    return labels.changed_field_labels(entry.object_type, entry.changes)


@register.filter
def detail_words(entry: AuditEntry) -> list[tuple[str, str]]:
    return labels.detail_in_words(entry.detail)
