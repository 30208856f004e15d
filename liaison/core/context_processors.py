from django.conf import settings
from django.http import HttpRequest


def node(request: HttpRequest) -> dict[str, object]:
    """The node's identity and demo state, shown in every page's header."""
    return {
        "node_id": settings.NODE_ID,
        "node_agency": settings.NODE_AGENCY,
        "node_country": settings.NODE_COUNTRY,
        "demo_mode": settings.DEMO_MODE,
    }
