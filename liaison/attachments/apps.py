from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "liaison.attachments"
    label = "attachments"
    verbose_name = _("Attachments")

    def ready(self) -> None:
        from liaison.attachments import cleanup, sharing
        from liaison.attachments.models import Attachment
        from liaison.audit import labels
        from liaison.exchange.sharing import follow_resends
        from liaison.exchange.worker import register_periodic

        sharing.register_types()
        follow_resends(sharing.resend_attached)
        labels.register_model(Attachment, object_type="attachment")
        labels.register_detail(
            {"file": _("file"), "media_type": _("media type"), "size": _("size (bytes)")}
        )
        register_periodic("attachments.sweep", cleanup.sweep_store, lambda: 600.0)
