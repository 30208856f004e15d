"""Synthetic but realistic registry data for the demo and for benchmarks. No real person.

Names are assembled from component lists: Maghrebi names written in Arabic script with
their usual French-style and English-style transliterations (محمد / Mohamed / Muhammad,
بن / Ben / bin, ولد / Ould / wuld, آيت / Ait / Ayt, ال / El / al-), French names and a few
others, in Latin script only. Everything is drawn from one `random.Random(seed)`, so a seed
always gives the same persons, warrants, alerts and hits.

`seed_registry` writes through the registry's actions (permission-checked and audited), as
any user would. `bulk_seed_for_bench` bypasses them for speed and must never touch a
real node: it writes no audit entries, and it refuses to run unless told it is a bench.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field, Model

from liaison.accounts.models import Actor
from liaison.registry.actions import (
    MIN_PENALTY_MONTHS,
    MIN_REMAINING_SENTENCE_MONTHS,
    AlertData,
    DocumentData,
    HitData,
    NameData,
    PersonData,
    WarrantData,
    create_alert,
    create_person,
    create_warrant,
    default_review_date,
    dispose_hit,
    record_hit,
)
from liaison.registry.choices import OffenceCategory
from liaison.registry.models import BirthDate, NameKey, Nationality, Person, PersonName
from liaison.registry.search import blocking_keys, script_of


@dataclass(frozen=True)
class Part:
    """One name component in Arabic script and its French- and English-style spellings."""

    arabic: str
    french: tuple[str, ...]
    english: tuple[str, ...]


def _parts(table: str) -> tuple[Part, ...]:
    rows = (line.split("|") for line in table.strip().splitlines())
    return tuple(Part(ar.strip(), _spellings(fr), _spellings(en)) for ar, fr, en in rows)


def _spellings(cell: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in cell.split(","))


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MALE_GIVEN = _parts("""
محمد | Mohamed, Mohammed | Muhammad, Mohammad
يوسف | Youssef, Youssouf | Yusuf, Yousef
عبد اللطيف | Abdellatif, Abdelatif | Abd al-Latif, Abdul Latif
عبد الله | Abdallah, Abdellah | Abdullah, Abd Allah
عبد الرحيم | Abderrahim, Abderahim | Abd al-Rahim, Abdul Rahim
عبد القادر | Abdelkader, Abdelkadir | Abd al-Qadir, Abdul Qadir
أحمد | Ahmed | Ahmad
خالد | Khaled | Khalid
رشيد | Rachid | Rashid
سعيد | Saïd, Said | Saeed, Sa'id
حسن | Hassan | Hasan
إبراهيم | Brahim, Ibrahim | Ibrahim
مصطفى | Mustapha, Moustapha | Mustafa
عمر | Omar | Umar
كريم | Karim | Kareem
نور الدين | Noureddine, Nourredine | Nur al-Din, Nuruddin
هشام | Hicham | Hisham
إدريس | Driss, Idriss | Idris
جمال | Jamal, Djamel | Jamal
حمزة | Hamza | Hamzah
زكرياء | Zakaria | Zakariya
أيوب | Ayoub | Ayyub
عثمان | Othmane, Otmane | Uthman
""")

FEMALE_GIVEN = _parts("""
فاطمة | Fatima, Fatma | Fatimah
خديجة | Khadija | Khadijah
مريم | Meryem, Myriam | Maryam
نادية | Nadia | Nadiya
سميرة | Samira | Samirah
زينب | Zineb, Zeineb | Zaynab
أمينة | Amina | Aminah
حنان | Hanane | Hanan
سلمى | Salma | Salma
إيمان | Imane | Iman
ليلى | Leila, Leïla | Layla
نعيمة | Naïma, Naima | Na'ima
""")

FAMILY = _parts("""
العلوي | El Alaoui, Alaoui | al-Alawi, Alawi
الإدريسي | El Idrissi, Idrissi | al-Idrisi
التازي | Tazi | al-Tazi
العمراني | El Amrani, Amrani | al-Amrani
الشرقاوي | Cherkaoui, Charkaoui | al-Sharqawi
المنصوري | El Mansouri, Mansouri | al-Mansuri
الحداد | Haddad, El Haddad | al-Haddad
بنجلون | Benjelloun, Ben Jelloun | Bin Jallun
بنعلي | Benali, Ben Ali | bin Ali, ibn Ali
بن عبد الله | Ben Abdallah, Benabdallah | bin Abdullah, ibn Abdullah
بن سالم | Ben Salem, Bensalem | bin Salim
ولد الشيخ | Ould Cheikh | wuld al-Shaykh
ولد أحمد | Ould Ahmed | wuld Ahmad
آيت أحمد | Ait Ahmed, Aït Ahmed | Ayt Ahmad
آيت الحاج | Ait El Haj, Aït Lhaj | Ayt al-Hajj
بوزيد | Bouzid | Bu Zayd
بلحاج | Belhaj, Belhadj | Bel Hajj
القاسمي | Kacemi, El Kacemi | al-Qasimi
المرابط | Merabet, El Mrabet | al-Murabit
الخطابي | El Khattabi, Khattabi | al-Khattabi
الطرابلسي | Trabelsi | al-Tarabulsi
المرزوقي | Marzouki, El Marzouki | al-Marzuqi
الفاسي | El Fassi, Elfassi | al-Fasi
المراكشي | Marrakchi, El Marrakchi | al-Marrakshi
السوسي | Soussi, Essoussi | al-Susi
""")

# Patronymic and tribal particles that make family names from given names (Ben Youssef...).
PARTICLES = _parts("""
بن | Ben | bin, ibn
ولد | Ould | wuld
آيت | Ait, Aït | Ayt
""")
PATRONYM = PARTICLES[0]

FRENCH_MALE = _words("Jean Pierre Nicolas Julien Sébastien Thomas Mathieu François Antoine Loïc")
FRENCH_FEMALE = _words("Marie Claire Élodie Nathalie Isabelle Camille Léa Sophie Aurélie Céline")
FRENCH_FAMILY = _words(
    "Martin Bernard Dubois Lefèvre Moreau Laurent Girard Fontaine Rousseau Mercier Garnier "
    "Chevalier Faure Leroy Roux Lambert Bonnet Perrin Marchand Duval"
)

# country: (male given names, female given names, family names)
OTHER_NAMES: dict[str, tuple[str, str, str]] = {
    "ES": ("José, Javier, Antonio", "Carmen, Lucía", "García López, Fernández Ruiz, Navarro Gil"),
    "BE": ("Jan, Pieter, Koen", "Lotte, Ann", "Peeters, Janssens, Maes, Claes"),
    "IT": ("Marco, Luca, Giuseppe", "Giulia, Francesca", "Rossi, Esposito, Bianchi, Romano"),
    "NL": ("Daan, Bram", "Sanne, Femke", "de Vries, van Dijk, Bakker, Visser"),
    "SN": ("Mamadou, Ousmane", "Aminata, Fatou", "Diallo, Ndiaye, Sow, Faye"),
    "TR": ("Mehmet, Emre", "Ayşe, Elif", "Yılmaz, Kaya, Demir, Şahin"),  # noqa: RUF001 - Turkish dotless i
}

CITIES = {
    "MA": ("Casablanca", "Rabat", "Fès", "Tanger", "Marrakech", "Oujda", "Agadir", "Nador"),
    "DZ": ("Alger", "Oran", "Constantine", "Tlemcen"),
    "TN": ("Tunis", "Sfax", "Sousse"),
    "FR": ("Paris", "Marseille", "Lyon", "Lille", "Toulouse", "Nice", "Saint-Denis", "Roubaix"),
    "BE": ("Bruxelles", "Anvers", "Liège"),
    "ES": ("Madrid", "Barcelona", "Málaga", "Algeciras"),
    "IT": ("Milano", "Torino", "Napoli"),
    "NL": ("Rotterdam", "Amsterdam"),
    "SN": ("Dakar", "Thiès"),
    "TR": ("İstanbul", "İzmir"),
}

AUTHORITIES = {
    "MA": "Procureur du Roi près le tribunal de première instance de {city}",
    "FR": "Juge d'instruction, tribunal judiciaire de {city}",
    "ES": "Juzgado Central de Instrucción n.º 3, Madrid",
    "BE": "Juge d'instruction, tribunal de première instance de {city}",
    "DZ": "Procureur de la République près le tribunal de {city}",
    "TN": "Juge d'instruction, tribunal de première instance de {city}",
}

OFFENCES: dict[str, tuple[int, str]] = {
    # category: (weight, description of the facts)
    OffenceCategory.DRUG_TRAFFICKING: (30, "Importation de résine de cannabis par go-fast"),
    OffenceCategory.MIGRANT_SMUGGLING: (10, "Aide à l'entrée irrégulière par embarcation"),
    OffenceCategory.MONEY_LAUNDERING: (10, "Blanchiment par sociétés écrans et hawala"),
    OffenceCategory.FRAUD: (10, "Escroquerie aux faux ordres de virement"),
    OffenceCategory.ROBBERY: (8, "Vol à main armée d'un fourgon de transport de fonds"),
    OffenceCategory.HOMICIDE: (8, "Homicide volontaire lors d'un règlement de comptes"),
    OffenceCategory.FIREARMS: (6, "Trafic d'armes de guerre"),
    OffenceCategory.HUMAN_TRAFFICKING: (5, "Traite des êtres humains aux fins d'exploitation"),
    OffenceCategory.CYBERCRIME: (5, "Rançongiciel contre des établissements de santé"),
    OffenceCategory.ORGANISED_CRIME: (5, "Participation à une organisation criminelle"),
    OffenceCategory.KIDNAPPING: (3, "Séquestration avec demande de rançon"),
    OffenceCategory.COUNTERFEITING: (3, "Contrefaçon de médicaments"),
    OffenceCategory.ENVIRONMENTAL: (2, "Trafic de déchets dangereux"),
}

MARKS = (
    "Cicatrice sur la joue gauche",
    "Tatouage d'une hirondelle sur la main droite",
    "Incisive supérieure manquante",
    "Boite légèrement (jambe droite)",
)

HIT_PLACES = (
    ("Port de Tanger Med", "border_check"),
    ("Aéroport Mohammed V, Casablanca", "border_check"),
    ("Poste frontière de Bab Sebta", "border_check"),
    ("Aéroport de Paris-Orly", "border_check"),
    ("Port de Marseille", "border_check"),
    ("Accréditations CAN 2025, Rabat", "event_screening"),
    ("Commissariat de Roubaix", "investigation"),
)


@dataclass
class AlertPlan:
    data: AlertData
    warrant: int | None  # index into the person's warrants
    hits: list[tuple[HitData, str]] = field(default_factory=list)  # hit, disposition


@dataclass
class PersonPlan:
    person: PersonData
    warrants: list[WarrantData] = field(default_factory=list)
    alerts: list[AlertPlan] = field(default_factory=list)
    hit_names: list[str] = field(default_factory=list)


# Names


def _latin(rng: random.Random, parts: list[Part], style: str) -> list[str]:
    return [rng.choice(p.french if style == "fr" else p.english) for p in parts]


def _family(rng: random.Random, given: Part) -> Part:
    """A family name: a common one, or a particle and a given name (Ben Youssef, Ould Omar)."""
    if rng.random() < 0.7:
        return rng.choice(FAMILY)
    particle, root = rng.choice(PARTICLES), rng.choice([m for m in MALE_GIVEN if m != given])
    return Part(
        f"{particle.arabic} {root.arabic}",
        tuple(f"{p} {r}" for p in particle.french for r in root.french),
        tuple(f"{p} {r}" for p in particle.english for r in root.english),
    )


def _maghrebi_names(rng: random.Random, sex: str) -> tuple[list[NameData], list[str]]:
    """The names of one person in three writings, and spellings a border officer might type."""
    given = rng.choice(MALE_GIVEN if sex == "M" else FEMALE_GIVEN)
    first = [given, PATRONYM, rng.choice(MALE_GIVEN)] if rng.random() < 0.25 else [given]
    family = _family(rng, given)
    arabic = NameData(
        " ".join(p.arabic for p in [*first, family]),
        given_names=" ".join(p.arabic for p in first),
        family_name=family.arabic,
    )
    writings = {"ar": arabic}
    for style in ("fr", "en"):
        given_text, family_text = (
            " ".join(_latin(rng, first, style)),
            _latin(rng, [family], style)[0],
        )
        writings[style] = NameData(
            f"{given_text} {family_text}", given_names=given_text, family_name=family_text
        )
    primary = rng.choice(("ar", "fr"))
    names = [replace(writings[primary], kind="primary")]
    stored = ["ar", "fr"] + (["en"] if rng.random() < 0.6 else [])
    names += [replace(writings[s], kind="transliteration") for s in stored if s != primary]
    alias = rng.choice(MALE_GIVEN if sex == "M" else FEMALE_GIVEN)
    if rng.random() < 0.2 and alias != given:
        names.append(NameData(f"{alias.french[0]} {writings['fr'].family_name}", "alias"))
    fr, en = writings["fr"], writings["en"]
    spellings = [en.full_name, f"{fr.family_name.upper()} {fr.given_names}", arabic.full_name]
    return names, spellings


def _french_names(rng: random.Random, sex: str) -> tuple[list[NameData], list[str]]:
    pool = FRENCH_MALE if sex == "M" else FRENCH_FEMALE
    given = rng.choice(pool)
    if rng.random() < 0.15:
        given = f"{'Jean' if sex == 'M' else 'Marie'}-{rng.choice(pool)}"
    family = rng.choice(FRENCH_FAMILY)
    names = [NameData(f"{given} {family}", "primary", given, family)]
    if sex == "F" and rng.random() < 0.3:
        maiden = rng.choice(FRENCH_FAMILY)
        names.append(NameData(f"{given} {maiden}", "birth", given, maiden))
    return names, [f"{family.upper()} {given}", f"{given} {family}".replace("é", "e")]


def _other_names(rng: random.Random, sex: str, country: str) -> tuple[list[NameData], list[str]]:
    males, females, families = (_spellings(cell) for cell in OTHER_NAMES[country])
    given, family = rng.choice(males if sex == "M" else females), rng.choice(families)
    return [NameData(f"{given} {family}", "primary", given, family)], [f"{family} {given}"]


# Persons


def _birth_dates(rng: random.Random) -> list[str]:
    day = date(1955, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    shape = rng.random()
    first = (
        day.isoformat() if shape < 0.7 else day.isoformat()[:7] if shape < 0.9 else str(day.year)
    )
    if rng.random() < 0.1:  # a second date of birth, as used on a false document
        return [first, str(day.year + rng.choice((-1, 1)))]
    return [first]


def _documents(rng: random.Random, nationalities: list[str]) -> list[DocumentData]:
    documents = []
    for country in nationalities[: rng.choice((0, 1, 1, 2))]:
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
        number = f"{letters}{rng.randrange(10**6, 10**7)}"
        kind = rng.choice(("passport", "passport", "national_id"))
        documents.append(DocumentData(kind, number, country))
    return documents


def _origin(rng: random.Random) -> tuple[str, str, list[str]]:
    """(name family, country of birth, nationalities)."""
    roll = rng.random()
    if roll < 0.6:
        birth = rng.choices(("MA", "DZ", "TN", "FR", "BE", "ES"), (60, 15, 10, 10, 3, 2))[0]
        second = rng.choice(("FR", "BE", "ES", "MA")) if rng.random() < 0.25 else birth
        return "maghrebi", birth, sorted({birth, second})
    if roll < 0.85:
        return "french", "FR", ["FR"] if rng.random() < 0.9 else ["FR", "BE"]
    country = rng.choice(sorted(OTHER_NAMES))
    return "other", country, [country]


def _person(rng: random.Random) -> PersonPlan:
    kind, birth, nationalities = _origin(rng)
    sex = "M" if rng.random() < 0.75 else "F"
    if kind == "maghrebi":
        names, spellings = _maghrebi_names(rng, sex)
    elif kind == "french":
        names, spellings = _french_names(rng, sex)
    else:
        names, spellings = _other_names(rng, sex, birth)
    data = PersonData(
        category="wanted",
        names=names,
        sex=sex,
        birth_dates=_birth_dates(rng),
        place_of_birth=rng.choice(CITIES[birth]),
        country_of_birth=birth,
        nationalities=nationalities,
        distinguishing_marks=rng.choice(MARKS) if rng.random() < 0.2 else "",
        documents=_documents(rng, nationalities),
        handling_code=rng.choices(("H0", "H1", "H2"), (75, 20, 5))[0],
    )
    return PersonPlan(data, hit_names=spellings)


# Warrants, alerts, hits


def _warrant(rng: random.Random, plan: PersonPlan, number: str) -> WarrantData:
    country = rng.choice([c for c in plan.person.nationalities if c in AUTHORITIES] or ["MA", "FR"])
    drawn = rng.choices(list(OFFENCES), [w for w, _ in OFFENCES.values()], k=2)
    offences = sorted({str(o) for o in drawn})
    issued = date(2019, 1, 1) + timedelta(days=rng.randrange(6 * 365))
    convicted = rng.random() < 0.15
    return WarrantData(
        issuing_country=country,
        issuing_authority=AUTHORITIES[country].format(city=rng.choice(CITIES[country])),
        reference=f"{country}-{issued.year}-{number}",
        issued_on=issued,
        offences=offences,
        offence_description="; ".join(OFFENCES[o][1] for o in offences),
        expires_on=issued + timedelta(days=3652) if rng.random() < 0.5 else None,
        extradition_sought=rng.random() < 0.8,
        max_penalty_months=rng.choice((12, 18, 36, 60, 120, 240, 360)),
        remaining_sentence_months=rng.choice((4, 8, 18, 30)) if convicted else None,
    )


def _meets_extradition_threshold(warrant: WarrantData) -> bool:
    penalty, remaining = warrant.max_penalty_months or 0, warrant.remaining_sentence_months or 0
    return penalty >= MIN_PENALTY_MONTHS or remaining >= MIN_REMAINING_SENTENCE_MONTHS


def _alert_for(rng: random.Random, warrant: WarrantData) -> AlertData:
    facts = (
        f"Mandat {warrant.reference} du {warrant.issued_on:%d/%m/%Y}. "
        f"{warrant.offence_description}."
    )
    assessment = "Susceptible de franchir le détroit de Gibraltar ; fréquente les ports."
    if warrant.extradition_sought and _meets_extradition_threshold(warrant):
        return AlertData(
            "arrest",
            "Interpeller en vue d'extradition et aviser l'officier de liaison sous 24 heures.",
            facts=facts,
            assessment=assessment,
            not_political_declared=True,
        )
    alert_type = rng.choice(("locate", "discreet_check"))
    action = "Localiser sans interpeller ; informer l'officier de liaison."
    if alert_type == "discreet_check":
        action = "Contrôle discret : noter itinéraire, accompagnants et véhicule ; ne pas alerter."
    return AlertData(alert_type, action, facts=facts, assessment=assessment)


def _hit(rng: random.Random, plan: PersonPlan) -> tuple[HitData, str]:
    place, context = rng.choice(HIT_PLACES)
    when = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(500 * 24 * 60))
    disposition = rng.choices(("pending", "confirmed", "false_positive"), (5, 3, 2))[0]
    hit = HitData(rng.choice(plan.hit_names), when, place, context)
    return hit, disposition


def _add_cases(rng: random.Random, plan: PersonPlan, index: int) -> None:
    """Warrants for about half, alerts for most of those, hits for some alerts."""
    roll = rng.random()
    if roll >= 0.5:
        plan.person.category = rng.choice(("suspect", "suspect", "contact", "missing", "witness"))
        if plan.person.category == "missing":
            action = "Ne pas divulguer le lieu de séjour ; informer la famille par le service."
            plan.alerts.append(AlertPlan(AlertData("missing", action), None))
        return
    for n in range(1 if rng.random() < 0.85 else 2):
        plan.warrants.append(_warrant(rng, plan, f"{index:06d}-{n + 1}"))
    if any(w.remaining_sentence_months for w in plan.warrants):
        plan.person.category = "convicted"
    if rng.random() < 0.85:
        alert = AlertPlan(_alert_for(rng, plan.warrants[0]), 0)
        if rng.random() < 0.3:
            alert.hits.append(_hit(rng, plan))
        plan.alerts.append(alert)


def plan_registry(count: int, seed: int) -> Iterator[PersonPlan]:
    """What `seed_registry` will write, without writing it: the same for the same seed."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible on purpose
    for index in range(count):
        plan = _person(rng)
        _add_cases(rng, plan, index)
        yield plan


@transaction.atomic
def seed_registry(*, actor: Actor, count: int, seed: int) -> int:
    """Create `count` synthetic persons with their warrants, alerts and hits, as `actor`."""
    created = 0
    for plan in plan_registry(count, seed):
        _write(plan, actor)
        created += 1
    return created


def _write(plan: PersonPlan, actor: Actor) -> None:
    person = create_person(actor=actor, data=plan.person, origin="demo")
    warrants = [
        create_warrant(actor=actor, person=person, data=w, origin="demo") for w in plan.warrants
    ]
    for alert_plan in plan.alerts:
        warrant_id = warrants[alert_plan.warrant].pk if alert_plan.warrant is not None else None
        alert = create_alert(
            actor=actor,
            person=person,
            data=replace(alert_plan.data, warrant_id=warrant_id),
            origin="demo",
        )
        for hit_data, disposition in alert_plan.hits:
            hit = record_hit(actor=actor, person=person, data=replace(hit_data, alert_id=alert.pk))
            if disposition != "pending":
                action = (
                    "Identité vérifiée, originaire avisé." if disposition == "confirmed" else ""
                )
                why = (
                    "Vérifié par l'officier de liaison."
                    if disposition == "confirmed"
                    else "Empreintes différentes : ce n'est pas la personne."
                )
                dispose_hit(
                    actor=actor,
                    hit=hit,
                    disposition=disposition,
                    action_taken=action,
                    reason=why,
                )


# Benchmarks only


BENCH_BATCH = 2_000


def bulk_seed_for_bench(count: int, seed: int, *, bench: bool = False) -> int:
    """Bulk-insert `count` persons with names, search keys, dates and nationalities. BENCH ONLY.

    Bypasses the actions: no permission check, no audit entry, no warrants or alerts. It
    exists so that a search benchmark can fill a throwaway database with 100,000 persons
    in minutes; on a real node it would break the audit trail, hence the `bench` flag.
    """
    if not bench:
        raise RuntimeError("bulk_seed_for_bench writes unaudited data: pass bench=True.")
    plans = plan_registry(count, seed)
    done = 0
    while done < count:
        batch = [next(plans) for _ in range(min(BENCH_BATCH, count - done))]
        _bulk_write(batch, first=done, seed=seed)
        done += len(batch)
    return done


@transaction.atomic
def _bulk_write(plans: list[PersonPlan], *, first: int, seed: int) -> None:
    review = default_review_date()
    persons = Person.objects.bulk_create(
        Person(
            owner_node=settings.NODE_ID,
            review_date=review,
            external_ref=f"bench-{seed}-{first + i}",
            category=p.person.category,
            sex=p.person.sex,
            place_of_birth=p.person.place_of_birth,
            country_of_birth=p.person.country_of_birth,
        )
        for i, p in enumerate(plans)
    )
    pairs = list(zip(persons, plans, strict=True))
    # The persons' parts as plain rows: a model instance each (ten per person) was most of
    # the seeding time.
    _insert(
        PersonName,
        ("person", "full_name", "given_names", "family_name", "script", "kind"),
        (
            (person.pk, n.full_name, n.given_names, n.family_name, script_of(n.full_name), n.kind)
            for person, plan in pairs
            for n in plan.person.names
        ),
    )
    _insert(
        NameKey,
        ("person", "key"),
        (
            (person.pk, key)
            for person, plan in pairs
            for key in sorted(set().union(*(_keys(n.full_name) for n in plan.person.names)))
        ),
    )
    _insert(
        BirthDate,
        ("person", "value"),
        ((person.pk, value) for person, plan in pairs for value in plan.person.birth_dates),
    )
    _insert(
        Nationality,
        ("person", "code"),
        (
            (person.pk, code)
            for person, plan in pairs
            for code in sorted(set(plan.person.nationalities))
        ),
    )


def _insert(
    model: type[Model], fields: tuple[str, ...], rows: Iterable[tuple[int | str, ...]]
) -> None:
    """INSERT the rows as they are: no model instances, no defaults, no signals."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in fields)
    table = quote(model._meta.db_table)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - the model's names
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(rows))


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column


@lru_cache(maxsize=100_000)
def _keys(name: str) -> frozenset[str]:
    # Names repeat a lot across 100,000 synthetic persons: analyse each spelling once.
    return frozenset(blocking_keys([name]))
