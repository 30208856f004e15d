"""Prometheus metrics of a node, read from its database at each scrape.

A node runs several processes (web threads, the exchange worker, commands); counting in
memory would give each its own numbers. The database is where all of them leave their
trace, so every figure here is a query: queue lengths and ages per partner, deliveries and
rejections, delivery latency over the last hour, audit writes, failed sign-ins, lockouts,
unauthenticated refusals. Served at /metrics, only with LIAISON_METRICS_TOKEN
(docs/operations.md, "Metrics").
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Min, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from liaison.audit.actions import chain_head
from liaison.audit.choices import Action
from liaison.audit.models import AuditEntry
from liaison.exchange.models import InboxEnvelope, OutboxEnvelope, OutboxState, Peer, RefusalTally

LATENCY_WINDOW = timedelta(hours=1)
LATENCY_SAMPLE = 10_000  # the newest deliveries of the window, per partner at most
QUANTILES = (0.5, 0.95, 0.99)


class NodeCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from _outbox()
        yield from _peers()
        yield _latency()
        yield from _inbox()
        yield from _accounts_and_audit()


def _outbox() -> Iterator[Metric]:
    envelopes = GaugeMetricFamily(
        "liaison_outbox_envelopes",
        "Envelopes in this node's outbox, by partner and state.",
        labels=["partner", "state"],
    )
    rows = OutboxEnvelope.objects.values("peer__node_id", "state").annotate(n=Count("pk"))
    counts = {(r["peer__node_id"], r["state"]): r["n"] for r in rows}
    partners = sorted(Peer.objects.values_list("node_id", flat=True))
    for partner in partners:
        for state in OutboxState.values:
            envelopes.add_metric([partner, state], counts.get((partner, state), 0))
    yield envelopes
    oldest = GaugeMetricFamily(
        "liaison_outbox_oldest_pending_seconds",
        "Age of the oldest envelope waiting for each partner (0 when none waits).",
        labels=["partner"],
    )
    pending = OutboxEnvelope.objects.filter(state=OutboxState.PENDING)
    first = dict(
        pending.values("peer__node_id")
        .annotate(at=Min("created_at"))
        .values_list("peer__node_id", "at")
    )
    now = timezone.now()
    for partner in partners:
        at = first.get(partner)
        oldest.add_metric([partner], (now - at).total_seconds() if at else 0.0)
    yield oldest


def _peers() -> Iterator[Metric]:
    failures = GaugeMetricFamily(
        "liaison_peer_consecutive_failures",
        "Failed delivery attempts to each partner since its last success.",
        labels=["partner"],
    )
    success = GaugeMetricFamily(
        "liaison_peer_last_success_timestamp_seconds",
        "When a delivery to each partner last succeeded (Unix time; 0 if never).",
        labels=["partner"],
    )
    for peer in Peer.objects.order_by("node_id").only("node_id", "failures", "last_success_at"):
        failures.add_metric([peer.node_id], peer.failures)
        last = peer.last_success_at
        success.add_metric([peer.node_id], last.timestamp() if last else 0.0)
    yield failures
    yield success


def _latency() -> Metric:
    """Quantiles of queue-to-receipt time over the last hour, per partner, as gauges (a
    summary's quantiles computed here, since no process saw every delivery)."""
    latency = GaugeMetricFamily(
        "liaison_delivery_latency_seconds",
        "Time from queueing to the partner's receipt, over the last hour's deliveries.",
        labels=["partner", "quantile"],
    )
    since = timezone.now() - LATENCY_WINDOW
    for partner in Peer.objects.order_by("node_id").values_list("node_id", flat=True):
        delays = sorted(
            (delivered - created).total_seconds()
            for created, delivered in OutboxEnvelope.objects.filter(
                peer__node_id=partner, state=OutboxState.DELIVERED, delivered_at__gte=since
            )
            .order_by("-delivered_at")
            .values_list("created_at", "delivered_at")[:LATENCY_SAMPLE]
            if delivered is not None
        )
        if not delays:
            continue
        for q in QUANTILES:
            latency.add_metric(
                [partner, str(q)], delays[min(len(delays) - 1, int(q * len(delays)))]
            )
    return latency


def _inbox() -> Iterator[Metric]:
    received = CounterMetricFamily(
        "liaison_inbox_envelopes",
        "Signed envelopes received from each partner, by outcome (applied, rejected…).",
        labels=["partner", "status"],
    )
    rows = InboxEnvelope.objects.values_list("sender", "status").annotate(n=Count("pk"))
    for sender, status, n in rows.order_by("sender", "status"):
        received.add_metric([sender, status], n)
    yield received
    refused = GaugeMetricFamily(
        "liaison_unauthenticated_refusals_open",
        "Unsigned or badly signed requests refused in the windows not yet summarised in "
        "the audit log, by reason.",
        labels=["reason"],
    )
    for reason, n in (
        RefusalTally.objects.values_list("reason").annotate(n=Sum("count")).order_by("reason")
    ):
        refused.add_metric([reason], n or 0)
    yield refused


def _accounts_and_audit() -> Iterator[Metric]:
    entries = CounterMetricFamily(
        "liaison_audit_entries", "Entries appended to the audit chain (its head's seq)."
    )
    entries.add_metric([], chain_head()[0])
    yield entries
    failed = CounterMetricFamily(
        "liaison_login_failures", "Failed sign-ins recorded in the audit log."
    )
    failed.add_metric([], AuditEntry.objects.filter(action=Action.LOGIN_FAILED).count())
    yield failed
    locked = GaugeMetricFamily(
        "liaison_accounts_locked_out",
        "Usernames locked out now after too many failed sign-ins.",
    )
    cutoff = timezone.now() - settings.AXES_COOLOFF_TIME
    locked.add_metric(
        [],
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=cutoff
        )
        .values("username")
        .distinct()
        .count(),
    )
    yield locked


_REGISTRY = CollectorRegistry(auto_describe=False)
_REGISTRY.register(NodeCollector())


@csrf_exempt  # GET only; a scraper holds no session
@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """The node's metrics for a Prometheus scraper holding LIAISON_METRICS_TOKEN; a 404
    while no token is configured (nothing to find), a 401 without the right one."""
    token: str = settings.METRICS_TOKEN
    if not token:
        return HttpResponse(status=404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse(
            "A bearer token is required.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(_REGISTRY), content_type="text/plain; version=0.0.4")
