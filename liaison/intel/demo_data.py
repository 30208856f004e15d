"""The demo's intelligence: graded reports in French (fr) and in Arabic (ma), written
through the actions and shared with the other node when the demo links them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from liaison.accounts.models import User
from liaison.intel.actions import ReportData, create_report
from liaison.intel.models import Report
from liaison.matching.normalise import is_arabic
from liaison.registry.demo_data import plan_registry

DEMO_REPORTS = {
    "ma": [
        ReportData(
            title="شبكة تهريب المخدرات عبر ميناء طنجة المتوسط",
            summary="معلومات عن شحنات قنب هندي مخبأة في شاحنات نقل الخضر.",
            facts=(
                "رصدت المصلحة ثلاث شاحنات مسجلة في طنجة عبرت الميناء بين 3 و17 مارس 2026 "
                "بوثائق شحن خضر. أحد السائقين، {own}، سبق توقيفه سنة 2021، ويتصل بالمدعو "
                "{partner} على الرقم 0661234567. إحدى الشاحنات تحمل اللوحة 12345-أ-6."
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
                "falsifiés ; douze titres saisis le 8 février 2026 portaient des noms marocains. "
                "L'un d'eux, au nom de {partner}, était remis par {own} "
                "(tél. 06 12 34 56 78, véhicule AB-123-CD)."
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


def _demo_name(node_id: str, arabic: bool, count: int) -> str:
    """A name of one of `node_id`'s demo persons (the registry's plan for that node, the
    same for the same seed), in Arabic script or in Latin, so the reports name persons of
    both registries: the partner's suggested on receipt, this node's on "Suggest persons"."""
    seed = sum(ord(c) for c in node_id)
    for plan in plan_registry(count, seed):
        if plan.person.handling_code == "H3":
            continue
        names = [n.full_name for n in plan.person.names]
        if any(is_arabic(n) for n in names) and any(not is_arabic(n) for n in names):
            return next(n for n in names if is_arabic(n) == arabic)
    return ""


def seed_reports(*, actor: User, node_id: str, persons: int = 40) -> int:
    """This node's demo reports, once (a second run keeps the data). Their facts name a
    demo person of each node, with a phone number and a vehicle plate."""
    if Report.objects.exists():
        return 0
    partner = "fr" if node_id == "ma" else "ma"
    arabic = node_id == "ma"
    names = {
        "own": _demo_name(node_id, arabic, persons),
        "partner": _demo_name(partner, arabic, persons),
    }
    for data in DEMO_REPORTS.get(node_id, []):
        create_report(actor=actor, data=replace(data, facts=data.facts.format(**names)))
    return len(DEMO_REPORTS.get(node_id, []))
