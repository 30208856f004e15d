"""Grading schemes for intelligence: how reliable the source is, how credible the information.

Pure Python (no Django models): a scheme is a name, its source-reliability grades and its
information-credibility grades, each a code with its meaning in words. A report stores the
scheme it was graded on with its two grades, so a report graded 4x4 stays 4x4 when the
node's default changes. Schemes are registered by name; `admiralty` (A-F x 1-6, NATO
AJP-2.1) is the default, `europol` (Europol's 4x4: A-X x 1-4) is available.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Grade:
    code: str
    words: str | Promise


@dataclass(frozen=True)
class Scheme:
    """One grading scheme: its name, its title, and its two scales (best grade first)."""

    name: str
    title: str | Promise
    reliability: tuple[Grade, ...]
    credibility: tuple[Grade, ...]

    def reliability_words(self, code: str) -> str:
        return _words(self.reliability, code)

    def credibility_words(self, code: str) -> str:
        return _words(self.credibility, code)

    def check(self, reliability: str, credibility: str) -> list[str]:
        """What is wrong with this pair of grades on this scheme (nothing: an empty list)."""
        problems = []
        if reliability not in {g.code for g in self.reliability}:
            problems.append(
                str(_("%(code)s is not a source reliability grade of %(scheme)s."))
                % {"code": reliability or "?", "scheme": self.title}
            )
        if credibility not in {g.code for g in self.credibility}:
            problems.append(
                str(_("%(code)s is not an information credibility grade of %(scheme)s."))
                % {"code": credibility or "?", "scheme": self.title}
            )
        return problems


def _words(grades: tuple[Grade, ...], code: str) -> str:
    return next((str(g.words) for g in grades if g.code == code), code)


ADMIRALTY = Scheme(
    name="admiralty",
    title=_("Admiralty (A-F x 1-6)"),
    reliability=(
        Grade("A", _("completely reliable")),
        Grade("B", _("usually reliable")),
        Grade("C", _("fairly reliable")),
        Grade("D", _("not usually reliable")),
        Grade("E", _("unreliable")),
        Grade("F", _("reliability cannot be judged")),
    ),
    credibility=(
        Grade("1", _("confirmed by other sources")),
        Grade("2", _("probably true")),
        Grade("3", _("possibly true")),
        Grade("4", _("doubtful")),
        Grade("5", _("improbable")),
        Grade("6", _("truth cannot be judged")),
    ),
)

EUROPOL = Scheme(
    name="europol",
    title=_("Europol 4x4 (A-X x 1-4)"),
    reliability=(
        Grade("A", _("no doubt of authenticity, trustworthiness and competence")),
        Grade("B", _("source has in most instances proved to be reliable")),
        Grade("C", _("source has in most instances proved to be unreliable")),
        Grade("X", _("reliability cannot be assessed")),
    ),
    credibility=(
        Grade("1", _("no doubt about the accuracy")),
        Grade("2", _("known personally to the source but not to the official passing it on")),
        Grade("3", _("not known personally to the source but corroborated")),
        Grade("4", _("not known personally to the source and cannot be corroborated")),
    ),
)

SCHEMES: dict[str, Scheme] = {s.name: s for s in (ADMIRALTY, EUROPOL)}
DEFAULT_SCHEME = ADMIRALTY.name


def scheme(name: str) -> Scheme:
    """The scheme called `name`; KeyError for a scheme this node does not know."""
    return SCHEMES[name]


def scheme_choices() -> list[tuple[str, str | Promise]]:
    return [(s.name, s.title) for s in SCHEMES.values()]


def grading_in_words(scheme_name: str, reliability: str, credibility: str) -> str:
    """ "B2: source usually reliable; information probably true" style, in the user's language."""
    chosen = SCHEMES.get(scheme_name)
    if chosen is None:
        return f"{reliability}{credibility}"
    return str(_("%(code)s: source %(reliability)s; information %(credibility)s")) % {
        "code": f"{reliability}{credibility}",
        "reliability": chosen.reliability_words(reliability),
        "credibility": chosen.credibility_words(credibility),
    }
