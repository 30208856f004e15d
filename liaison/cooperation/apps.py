from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "liaison.cooperation"
    label = "cooperation"
    verbose_name = _("Working groups")

    def ready(self) -> None:
        from django.conf import settings

        from liaison.audit import labels
        from liaison.cooperation import desk, queries, reminders, sharing
        from liaison.cooperation.models import CasePart, JointCase, MemberList, WorkingGroup
        from liaison.exchange.worker import register_periodic

        sharing.register()
        desk.register()
        queries.register_report_recipients()
        labels.register_model(WorkingGroup, object_type="group")
        labels.register_model(MemberList, object_type="group_members")
        labels.register_model(JointCase, object_type="case")
        labels.register_model(CasePart, object_type="case_part")
        labels.register_detail(
            {
                "participants": _("participating services"),
                "link": _("linked records"),
                "task": _("task"),
                "meeting": _("meeting"),
            }
        )
        register_periodic(
            "cooperation.remind",
            reminders.remind_due_tasks,
            lambda: float(settings.TASK_REMINDER_SECONDS),
        )
