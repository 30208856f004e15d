from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from liaison.desk.queries import request_unread_counts, shown_count


def unread(request: HttpRequest) -> dict[str, object]:
    """`desk_unread`: the signed-in user's unread desk items, for the navbar's badge.

    Lazy: counted (in one query) only when a page shows it, and once per request; "" when
    nothing is unread, "99+" past what the desk counts (a section reaching it is enough)."""
    total = SimpleLazyObject(lambda: shown_count(sum(request_unread_counts(request).values())))
    return {"desk_unread": total}
