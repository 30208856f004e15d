"""The demo's intelligence: graded reports in French (fr) and in Arabic (ma), written
through the actions and shared with the other node when the demo links them."""

from __future__ import annotations

from datetime import date

from liaison.accounts.models import User
from liaison.intel.actions import ReportData, create_report
from liaison.intel.models import Report

DEMO_REPORTS = {
    "ma": [
        ReportData(
            title="شبكة تهريب المخدرات عبر ميناء طنجة المتوسط",
            summary="معلومات عن شحنات قنب هندي مخبأة في شاحنات نقل الخضر.",
            facts=(
                "رصدت المصلحة ثلاث شاحنات مسجلة في طنجة عبرت الميناء بين 3 و17 مارس 2026 "
                "بوثائق شحن خضر. أحد السائقين، يوسف العلمي، سبق توقيفه سنة 2021."
            ),
            assessment=(
                "نقدر أن الشبكة تستعمل نفس الشركة الوهمية للنقل، وأن الشحنة القادمة "
                "مرتقبة قبل نهاية الشهر."
            ),
            source_reference="MA-SRC-2026-014",
            grading_scheme="admiralty",
            source_reliability="B",
            information_credibility="2",
            recipients=["fr"],
            handling_code="H2",
            review_date=date(2027, 3, 31),
        ),
        ReportData(
            title="تمويل خلية عبر تحويلات مالية صغيرة",
            facts="تحويلات متكررة بمبالغ تقل عن 1000 يورو من ثلاث وكالات في الدار البيضاء.",
            assessment="يحتمل أن تكون التحويلات تجزئة متعمدة لتفادي التصريح.",
            source_reference="MA-SRC-2026-021",
            grading_scheme="europol",
            source_reliability="B",
            information_credibility="3",
            recipients=["fr"],
            handling_code="H1",
        ),
    ],
    "fr": [
        ReportData(
            title="Filière de faux documents à Marseille",
            summary="Atelier de contrefaçon de titres de séjour signalé par un informateur.",
            facts=(
                "Un atelier situé dans le 3e arrondissement produit des titres de séjour "
                "falsifiés ; douze titres saisis le 8 février 2026 portaient des noms marocains."
            ),
            assessment=(
                "Il est probable que l'atelier fournisse la filière de Tanger signalée en 2025 ; "
                "à confirmer par les services marocains."
            ),
            source_reference="FR-SRC-2026-007",
            grading_scheme="admiralty",
            source_reliability="C",
            information_credibility="3",
            recipients=["ma"],
            handling_code="H2",
            review_date=date(2027, 2, 28),
        ),
    ],
}


def seed_reports(*, actor: User, node_id: str) -> int:
    """This node's demo reports, once (a second run keeps the data)."""
    if Report.objects.exists():
        return 0
    for data in DEMO_REPORTS.get(node_id, []):
        create_report(actor=actor, data=data)
    return len(DEMO_REPORTS.get(node_id, []))
