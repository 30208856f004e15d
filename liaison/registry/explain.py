"""A search result's evidence (liaison.matching.lookup) in words, in the user's language.

The matcher explains itself in structure (which parts, which role, how they matched); this
module says it as an officer would read it: "given name and family name match across
scripts; date of birth agrees". Nothing internal (skeletons, rule names) is shown.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from liaison.matching.lookup import Lookup, PartMatch, date_reason


def _qualifier(parts: list[PartMatch]) -> str:
    hows = {p.how for p in parts}
    if "script" in hows:
        return "script"
    return "spelling" if "spelling" in hows else "same"


def _full(parts: list[PartMatch], qualifier: str) -> str:
    roles = {p.role for p in parts}
    if roles == {"given", "family"}:
        return {
            "same": _("given name and family name match"),
            "script": _("given name and family name match across scripts"),
            "spelling": _("given name and family name match in another spelling"),
        }[qualifier]
    return {
        "same": _("the name matches"),
        "script": _("the name matches across scripts"),
        "spelling": _("the name matches in another spelling"),
    }[qualifier]


def _family(qualifier: str) -> str:
    return {
        "same": _("family name only"),
        "script": _("family name only, across scripts"),
        "spelling": _("family name only, in another spelling"),
    }[qualifier]


def _given(qualifier: str) -> str:
    return {
        "same": _("given name only"),
        "script": _("given name only, across scripts"),
        "spelling": _("given name only, in another spelling"),
    }[qualifier]


def _starts(part: PartMatch) -> str:
    if part.role == "family":
        return _("family name starts with “%(letters)s”") % {"letters": part.query}
    return _("given name starts with “%(letters)s”") % {"letters": part.query}


def _names(found: Lookup) -> list[str]:
    prefixes = [p for p in found.parts if p.how == "prefix"]
    whole = [p for p in found.parts if p.how != "prefix"]
    said: list[str] = []
    if whole:
        qualifier = _qualifier(whole)
        roles = {p.role for p in whole}
        if prefixes and roles == {"given"}:
            said.append(_("given name matches"))
        elif prefixes and roles == {"family"}:
            said.append(_("family name matches"))
        elif found.kind == "family":
            said.append(_family(qualifier))
        elif found.kind == "given":
            said.append(_given(qualifier))
        else:
            said.append(_full(whole, qualifier))
    said.extend(_starts(p) for p in prefixes)
    return said


_DATES = {
    "same-date": lambda: _("date of birth agrees"),
    "same-month": lambda: _("year and month of birth agree"),
    "same-year": lambda: _("year of birth agrees"),
    "swapped": lambda: _("date of birth agrees with day and month swapped"),
    "year-near": lambda: _("year of birth one apart"),
    "days-differ": lambda: _("day of birth differs"),
    "months-differ": lambda: _("month of birth differs"),
    "years-differ": lambda: _("year of birth differs"),
}


def _date(found: Lookup) -> list[str]:
    reason = date_reason(found.date)
    return [str(_DATES[reason]())] if reason else []


def _nationality(found: Lookup) -> list[str]:
    if found.nationality is None:
        return []
    if found.nationality.verdict == "support":
        return [_("a nationality in common")]
    return [_("no nationality in common")]


# The matcher's name rules (NameMatch.rule) that say more than which parts matched: a
# screening candidate that one of them scored is explained by the rule, not by its parts
# (a relative's chain of names matches part by part; the first name does not).
_RULES = {
    "known-as": lambda: _("a short form of the name: every part of it is in the full name"),
    "relatives": lambda: _(
        "a different first name before the same father's and family names: perhaps a relative"
    ),
}


def explain(found: Lookup, rule: str = "") -> str:
    """The evidence as one line of words: names first, then date of birth, nationality.
    `rule` is the name rule of the matcher's own comparison, when there was one."""
    names = [str(_RULES[rule]())] if rule in _RULES else _names(found)
    said = names + _date(found) + _nationality(found)
    return "; ".join(said) if said else _("matches the filters")
