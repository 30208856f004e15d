"""Isolating values inside right-to-left text (a built-in template library, see settings).

In an Arabic sentence a date such as ``2026-05-01 14:30`` or a code such as ``RBT-7`` is
reordered by the bidirectional algorithm (its parts swap places) unless it is isolated.
``{{ value|bdi:"ltr" }}`` isolates dates, numbers and codes, which always read left to
right; ``{{ name|bdi }}`` isolates a name and lets its own script set the direction.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

DIRECTIONS = ("ltr", "rtl")


@register.filter(is_safe=True)
def bdi(value: Any, direction: str = "") -> SafeString | str:
    """`value` escaped inside <bdi>; empty values stay empty (so `|default` still works)."""
    if value is None or value == "":
        return ""
    if direction in DIRECTIONS:
        return format_html('<bdi dir="{}">{}</bdi>', direction, value)
    return format_html("<bdi>{}</bdi>", value)
