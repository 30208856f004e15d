"""The error summary at the top of a form: every error, each linking to its field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.utils.translation import gettext as _

register = template.Library()


@dataclass(frozen=True)
class SummaryLine:
    message: str
    label: str = ""
    href: str = ""  # "#id_…" of the field, when the error is about one


def _form_lines(form: forms.BaseForm, row: str = "") -> list[SummaryLine]:
    lines = [SummaryLine(str(e)) for e in form.non_field_errors()]
    for field in form:
        if field.is_hidden:
            continue
        label = f"{row} · {field.label}" if row else str(field.label)
        target = field.id_for_label or field.auto_id
        href = f"#{target}" if target else ""
        lines += [SummaryLine(str(e), label, href) for e in field.errors]
    return lines


def _formset_lines(formset: forms.BaseFormSet[Any]) -> list[SummaryLine]:
    lines = [SummaryLine(str(e)) for e in formset.non_form_errors()]
    deleted = (
        set(map(id, formset.deleted_forms)) if formset.can_delete and formset.is_bound else set()
    )
    for number, form in enumerate(formset.forms, start=1):
        if id(form) not in deleted:
            lines += _form_lines(form, _("Row %(n)d") % {"n": number})
    return lines


@register.simple_tag
def error_summary(form: Any = None, formsets: Iterable[Any] | None = None) -> list[SummaryLine]:
    """The errors of a bound form and its formsets, in page order."""
    lines: list[SummaryLine] = []
    if isinstance(form, forms.BaseForm) and form.is_bound:
        lines += _form_lines(form)
    for formset in formsets or ():
        if isinstance(formset, forms.BaseFormSet) and formset.is_bound:
            lines += _formset_lines(formset)
    return lines
