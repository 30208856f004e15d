"""Value types of the matching engine: what goes in (Identity) and what comes out (Match)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Sex = Literal["M", "F"]
Verdict = Literal["support", "contradict", "neutral"]


@dataclass(frozen=True, slots=True)
class Identity:
    """A person as the matcher sees it: names in any script plus optional attributes.

    Dates of birth may be partial ("1980", "1980-05", "1980-05-17"); nationalities are
    ISO 3166 alpha-2 codes. ``id`` identifies a watchlist entry and is ignored by ``compare``.
    """

    names: tuple[str, ...]
    dates_of_birth: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    sex: Sex | None = None
    id: str | None = None

    @classmethod
    def of(
        cls,
        *names: str,
        dob: str | None = None,
        nationality: str | None = None,
        sex: Sex | None = None,
        id: str | None = None,
    ) -> Identity:
        """Build an identity from the common single-valued case."""
        return cls(
            names=tuple(names),
            dates_of_birth=(dob,) if dob else (),
            nationalities=(nationality.upper(),) if nationality else (),
            sex=sex,
            id=id,
        )


@dataclass(frozen=True, slots=True)
class TokenPair:
    """Two name parts that the alignment put together, and how alike they are."""

    a: str
    b: str
    key_a: str
    key_b: str
    similarity: float


@dataclass(frozen=True, slots=True)
class NameMatch:
    """Evidence for a name comparison: which rule won and which parts were aligned."""

    name_a: str
    name_b: str
    score: float
    rule: str
    pairs: tuple[TokenPair, ...] = ()
    unmatched_a: tuple[str, ...] = ()
    unmatched_b: tuple[str, ...] = ()
    # Titles and honorifics left out of the comparison (Sheikh, Haji, Dr...).
    titles_a: tuple[str, ...] = ()
    titles_b: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Factor:
    """One piece of non-name evidence and how it moved the score."""

    name: str
    verdict: Verdict
    detail: str
    adjustment: float


@dataclass(frozen=True, slots=True)
class Match:
    """Result of ``compare``: a calibrated score in [0, 1] and everything that produced it."""

    score: float
    name_score: float
    algorithm: str
    names: NameMatch
    factors: tuple[Factor, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view, used by the CLI and by hit records."""
        return {
            "score": round(self.score, 4),
            "name_score": round(self.name_score, 4),
            "algorithm": self.algorithm,
            "names": {
                "a": self.names.name_a,
                "b": self.names.name_b,
                "rule": self.names.rule,
                "pairs": [
                    {
                        "a": p.a,
                        "b": p.b,
                        "key_a": p.key_a,
                        "key_b": p.key_b,
                        "similarity": round(p.similarity, 4),
                    }
                    for p in self.names.pairs
                ],
                "unmatched_a": list(self.names.unmatched_a),
                "unmatched_b": list(self.names.unmatched_b),
                "titles_a": list(self.names.titles_a),
                "titles_b": list(self.names.titles_b),
            },
            "factors": [
                {
                    "name": f.name,
                    "verdict": f.verdict,
                    "detail": f.detail,
                    "adjustment": round(f.adjustment, 4),
                }
                for f in self.factors
            ],
        }
