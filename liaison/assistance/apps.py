from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "liaison.assistance"
    label = "assistance"
    verbose_name = _("Requests for assistance")

    def ready(self) -> None:
        from django.conf import settings

        from liaison.assistance import actions, desk, sharing
        from liaison.assistance.models import AssistanceRequest, Reply
        from liaison.audit import labels
        from liaison.exchange.worker import register_periodic

        sharing.register()
        sharing.register_attachments()
        labels.register_model(AssistanceRequest, object_type="request")
        labels.register_model(Reply, object_type="request_reply")
        labels.register_detail(
            {
                "step": _("step"),
                "recipient": _("recipient service"),
                "urgency": _("urgency"),
                "due": _("deadline"),
            }
        )
        desk.register()
        register_periodic(
            "assistance.escalate",
            actions.escalate_overdue,
            lambda: float(settings.ASSISTANCE_ESCALATION_SECONDS),
        )
