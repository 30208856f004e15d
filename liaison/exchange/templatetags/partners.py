"""`{% load partners %}{% service_name node_id %}`: a partner named by its service.

The names are read once per request (one query however many rows show a partner).
"""

from __future__ import annotations

from typing import Any

from django import template

from liaison.exchange.queries import service_names_for

register = template.Library()


@register.simple_tag(takes_context=True)
def service_name(context: Any, node_id: str) -> str:
    """The service's name (the partner's agency), or the node id when none is known."""
    holder = getattr(context, "request", None) or context
    return service_names_for(holder).get(node_id, node_id)
