from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "liaison.exchange"
    label = "exchange"
    verbose_name = _("Exchange with partner nodes")
    # Record types plug in from their own apps (liaison/exchange/sharing.py).

    def ready(self) -> None:
        from liaison.audit import labels
        from liaison.exchange import rotation  # noqa: F401 - registers node.key_rotated
        from liaison.exchange.tally import flush_closed, window_seconds
        from liaison.exchange.worker import register_periodic

        labels.register_object_types(
            {
                "peer": _("partner node"),
                "peers": _("partner nodes"),
                "envelope": _("envelope"),
                "outbox": _("outbox"),
                "query": _("query"),
                "node_key": _("node key"),
            }
        )
        labels.register_detail(
            {
                "envelope": _("envelope"),
                "type": _("message type"),
                "seq": _("sequence"),
                "object": _("record"),
                "pinned": _("pinned key fingerprint"),
                "url": _("address"),
                "key_known": _("key known"),
                "update": _("update"),
                "resync": _("resynchronisation"),
                "query": _("query"),
                "why": _("why"),
                "effect": _("effect"),
                "first_outcome": _("first outcome"),
                "source": _("source"),
                "first": _("first"),
                "last": _("last"),
                "window_start": _("window start"),
                "window_seconds": _("window (seconds)"),
                "counted": _("counting"),
                "signed": _("signed"),
                "hash": _("hash"),
                "partners": _("partners"),
            }
        )

        # Summaries of refusal windows that closed with no refusal since to write them.
        register_periodic("refusal-summaries", flush_closed, window_seconds)
