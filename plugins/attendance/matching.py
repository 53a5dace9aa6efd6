"""Who each attendance row is: a ladder of rungs, the first that answers wins, each recorded.

1. an admin's earlier decision about the same identity (source, e-mail, id, name);
2. the HRIS employee id (a sheet's employee number, a platform id equal to one);
3. the e-mail, through the people directory (aliases included);
4. the SSO subject, when ``LRS_PLUGIN_ATTENDANCE_SSO_HOME_PAGE`` names the identity
   provider's account home page in the directory;
5. the display name, among the session's roster only, when exactly one expected
   person is similar enough (``LRS_PLUGIN_ATTENDANCE_NAME_SIMILARITY``, default 0.85).

Anything else is ``unmatched`` (no rung answered) or ``ambiguous`` (several expected
people fit the name) and goes to the review queue: nothing is silently dropped. A
platform's id is never guessed from: a name is only ever compared with the roster.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from lrs.plugin.host import Host, Person
from plugins.attendance.rows import AttendanceRow

#: Labels of :attr:`Match.matched_by`.
DECISION, EMPLOYEE_ID, EMAIL, SSO, NAME = "review", "employee_id", "email", "sso_subject", "name"
UNMATCHED, AMBIGUOUS, IGNORED = "unmatched", "ambiguous", "ignored"
DEFAULT_SIMILARITY = 0.85


@dataclass(frozen=True)
class Match:
    employee_id: str | None
    matched_by: str
    candidates: tuple[str, ...] = ()


def normalise_name(name: str) -> str:
    """A name compared without case, accents, punctuation, word order or what platforms
    add in brackets (``Lovelace, Ada (External)``, ``Ada Lovelace (iPhone)``: ``ada lovelace``)."""
    name = re.sub(r"\([^)]*\)", " ", name)
    folded = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(sorted(re.findall(r"\w+", letters)))


def _prefixes(normalised: str) -> set[str]:
    return {word[:2] for word in normalised.split()}


def identity_of(row: AttendanceRow) -> str:
    """What a decision about a row is remembered by: its source and everything it says
    about who it is (e-mail, platform id, name as shown)."""
    return "|".join(
        (row.source, (row.email or "").lower(), row.external_id or "", normalise_name(row.raw_name))
    )[:900]


@dataclass
class Matcher:
    """Matches the rows of one import; every directory look-up is batched."""

    host: Host
    tenant_id: int
    #: The session's expected people.
    roster: list[Person]
    #: Remembered decisions by identity: an employee id, or ``None`` for "ignore".
    decisions: Mapping[str, str | None]
    similarity: float = DEFAULT_SIMILARITY
    sso_home_page: str | None = None
    #: Everyone matched, by employee id (for their names and identities).
    people: dict[str, Person] = field(default_factory=dict)
    #: The roster's normalised names by the first two letters of each of their words,
    #: computed at the first name to match.
    _names: dict[str, list[tuple[str, str]]] | None = field(default=None, init=False, repr=False)

    def match(self, rows: Iterable[AttendanceRow]) -> dict[str, Match]:
        """The match of each distinct identity among ``rows``, by :func:`identity_of`."""
        firsts: dict[str, AttendanceRow] = {}
        for row in rows:
            firsts.setdefault(identity_of(row), row)
        found: dict[str, Match] = {}
        for identity in firsts:
            if identity in self.decisions:
                decided = self.decisions[identity]
                found[identity] = Match(decided, DECISION if decided else IGNORED)
        pending = {i: r for i, r in firsts.items() if i not in found}
        for rung, lookup in (
            (EMPLOYEE_ID, self._by_employee_id),
            (EMAIL, self._by_email),
            (SSO, self._by_sso_subject),
        ):
            for identity, person in lookup(pending).items():
                self.people[person.id] = person
                found[identity] = Match(person.id, rung)
                del pending[identity]
        for identity, row in pending.items():
            found[identity] = self._by_name(row)
        self._load([m.employee_id for m in found.values() if m.employee_id])
        return found

    def _by_employee_id(self, rows: dict[str, AttendanceRow]) -> dict[str, Person]:
        wanted = {i: r.external_id for i, r in rows.items() if r.external_id}
        people = self.host.people_by_employee_id(self.tenant_id, list(wanted.values()))
        return {i: p for i, p in zip(wanted, people, strict=True) if p is not None}

    def _by_email(self, rows: dict[str, AttendanceRow]) -> dict[str, Person]:
        wanted = {i: r.email.lower() for i, r in rows.items() if r.email and "@" in r.email}
        return self._resolve(
            {i: {"objectType": "Agent", "mbox": "mailto:" + email} for i, email in wanted.items()}
        )

    def _by_sso_subject(self, rows: dict[str, AttendanceRow]) -> dict[str, Person]:
        if not self.sso_home_page:
            return {}
        return self._resolve(
            {
                i: {
                    "objectType": "Agent",
                    "account": {"homePage": self.sso_home_page, "name": r.external_id},
                }
                for i, r in rows.items()
                if r.external_id
            }
        )

    def _resolve(self, agents: dict[str, dict]) -> dict[str, Person]:
        people = self.host.resolve_people(self.tenant_id, list(agents.values()))
        return {i: p for i, p in zip(agents, people, strict=True) if p is not None}

    def _by_name(self, row: AttendanceRow) -> Match:
        name = normalise_name(row.raw_name)
        if not name:
            return Match(None, UNMATCHED)
        if self._names is None:
            self._names = defaultdict(list)
            for person in self.roster:
                normalised = normalise_name(person.name or "")
                for prefix in _prefixes(normalised):
                    self._names[prefix].append((normalised, person.id))
        # Only roster names sharing the start of a word can be similar enough; among
        # them, difflib.get_close_matches' way: the cheap upper bounds first.
        matcher = SequenceMatcher()
        matcher.set_seq2(name)
        close = set()
        candidates = {pair for prefix in _prefixes(name) for pair in self._names.get(prefix, ())}
        for candidate, employee_id in candidates:
            matcher.set_seq1(candidate)
            if (
                matcher.real_quick_ratio() >= self.similarity
                and matcher.quick_ratio() >= self.similarity
                and matcher.ratio() >= self.similarity
            ):
                close.add(employee_id)
        if len(close) == 1:
            return Match(close.pop(), NAME)
        if close:
            return Match(None, AMBIGUOUS, tuple(sorted(close)))
        return Match(None, UNMATCHED)

    def _load(self, employee_ids: list[str]) -> None:
        for person in self.roster:
            self.people.setdefault(person.id, person)
        missing = sorted({e for e in employee_ids if e not in self.people})
        for person in self.host.people_by_employee_id(self.tenant_id, missing):
            if person is not None:
                self.people[person.id] = person
