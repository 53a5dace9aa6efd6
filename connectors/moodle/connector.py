"""The ``moodle`` connector: course and activity completions from Moodle's web services.

Moodle has no "completions since" call: completion is asked per course and per
learner. So the connector walks the site in *passes*, course by course (by id)
and, in each, the learners whose completion is tracked, a page of them at a time.
Each page's new statements are stored in one ``host.ingest`` and the position
(course id, learners done in it) is checkpointed: a run that fails or is killed
resumes at the page it was on. Reading a page twice stores nothing twice, since
statement ids derive from the completion and ids already stored are left out.
A run stops after ``pages_per_run`` pages (the next one continues at once) and a
finished pass starts again from the first course at the next scheduled run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate

from connectors.moodle import answers
from connectors.moodle.answers import ACTIVITY_STATUS, COURSE_STATUS, COURSES, LEARNERS
from connectors.moodle.client import MoodleClient, MoodleError
from connectors.moodle.statements import activity_completions, actor, course_completion
from lrs.plugin.connectors import SyncRun, SyncSummary
from lrs.plugin.host import InvalidStatement
from lrs.plugin.remote import quoted

if TYPE_CHECKING:
    from lrs.plugin.host import Host

#: Moodle's answers when a learner has no course completion to report: not tracked
#: (a teacher), or the course has completion on but no criteria.
NO_COMPLETION = {"usernotenroled", "notenroled", "nocriteriaset"}
#: The capability of the learners completion reports list (students).
TRACKED = "moodle/course:isincompletionreports"


class MoodleConfig(Schema):
    """Settings of a ``moodle`` connector instance (docs/connectors.md)."""

    base_url = fields.Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        metadata={"description": "The Moodle site's URL (https://moodle.example.edu)."},
    )
    token = fields.String(
        required=True,
        validate=validate.Length(min=1),
        metadata={"secret": True, "description": "The web service token."},
    )
    course_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1)),
        load_default=list,
        metadata={"description": "Only these courses, as JSON: [2, 7] (default: all)."},
    )
    activities = fields.Boolean(
        load_default=True, metadata={"description": "Also activity completions."}
    )
    identify_by = fields.String(
        load_default="email",
        validate=validate.OneOf(["email", "account"]),
        metadata={
            "description": "email (the learner's mbox when Moodle gives it, else "
            "their account) or account."
        },
    )
    account_name = fields.String(
        load_default="username",
        validate=validate.OneOf(["username", "id"]),
        metadata={"description": "The account name: the Moodle username or user id."},
    )
    page_size = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "Learners per page (one checkpoint a page)."},
    )
    pages_per_run = fields.Integer(
        load_default=100,
        validate=validate.Range(min=1),
        metadata={"description": "Pages after which a run stops; the next continues at once."},
    )
    timeout_seconds = fields.Float(
        load_default=30.0,
        validate=validate.Range(min=1, max=600),
        metadata={"description": "How long to wait for each call."},
    )


@dataclass(frozen=True)
class Position:
    """Where a pass is: the course (by id) and how many of its learners are done."""

    course: int = 0
    done: int = 0

    @classmethod
    def parse(cls, cursor: str | None) -> Position:
        if not cursor:
            return cls()
        data = json.loads(cursor)
        return cls(int(data["course"]), int(data["done"]))

    def dump(self) -> str:
        return json.dumps({"course": self.course, "done": self.done})


#: Messages of a run naming what it left out, before "... and N more".
MAX_MESSAGES = 20


@dataclass
class _Counts:
    fetched: int = 0
    stored: int = 0
    skipped: int = 0
    messages: list[str] = field(default_factory=list)
    #: Messages past :data:`MAX_MESSAGES`, counted only.
    unsaid: int = 0

    def note(self, message: str) -> None:
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append(message)
        else:
            self.unsaid += 1

    def leave_out(self, who: str, value: str, whose: str) -> None:
        """``who`` (a course, a learner) is left out: ``value`` (``their username
        'gr\\x00ace'``) holds text no database stores."""
        self.note(f"{who}: {value} holds a NUL character or a lone surrogate, which no "
                  f"database stores; {whose} completions are left out")
        self.skipped += 1

    def said(self) -> tuple[str, ...]:
        more = (f"... and {self.unsaid} more left out",) if self.unsaid else ()
        return (*self.messages, *more)


class MoodleConnector:
    """One configured Moodle site (an :class:`lrs.plugin.connectors.Connector`)."""

    def __init__(self, host: Host, config: dict[str, Any]) -> None:
        self.host = host
        self.config = config
        self.client = MoodleClient(config["base_url"], config["token"], config["timeout_seconds"])
        self.site = self.client.site

    def sync(self, run: SyncRun) -> SyncSummary:
        position, counts, pages = Position.parse(run.cursor), _Counts(), 0
        for course in self._courses():
            if course["id"] < position.course:
                continue
            refused = answers.unstorable(course, self._course_name(course))
            if refused:
                # Every statement of the course names it: the course would fail every run.
                counts.leave_out(f"course {course['id']}", f"its {refused}", "its")
                continue
            done = position.done if course["id"] == position.course else 0
            while True:
                if pages >= self.config["pages_per_run"] or run.should_stop:
                    return self._summary(counts, more=not run.should_stop)
                users = self._learners(course["id"], done)
                self._store(run, course, users, counts)
                done += len(users)
                pages += 1
                if len(users) < self.config["page_size"]:
                    run.checkpoint(Position(course["id"] + 1).dump())
                    break
                run.checkpoint(Position(course["id"], done).dump())
        return self._summary(counts, cursor=Position().dump(), complete=True)

    def _courses(self) -> list[dict[str, Any]]:
        """The courses to read, by id: those with completion enabled, not the front page."""
        ids = self.config["course_ids"]
        courses = self.client.call(COURSES, **({"options": {"ids": ids}} if ids else {}))
        courses = answers.objects(COURSES, courses, ("id",))
        for course in courses:
            answers.texts(COURSES, course, f"course {course['id']}", ("fullname", "shortname"))
        return sorted(
            (c for c in courses if c.get("format") != "site" and c.get("enablecompletion")),
            key=lambda c: c["id"],
        )

    def _learners(self, course_id: int, done: int) -> list[dict[str, Any]]:
        """The next page of the course's learners whose completion is tracked."""
        options = {
            "withcapability": TRACKED,
            "limitfrom": done,
            "limitnumber": self.config["page_size"],
            "sortby": "id",
            "sortdirection": "ASC",
            "userfields": "id,username,fullname,email",
        }
        users = self.client.call(
            LEARNERS,
            courseid=course_id,
            options=[{"name": name, "value": value} for name, value in options.items()],
        )
        account = self.config["account_name"]
        learners = answers.objects(LEARNERS, users, ("id", account))
        used = ("fullname", *(("email",) if self.config["identify_by"] == "email" else ()),
                *(("username",) if account == "username" else ()))
        for user in learners:
            where = f"user {user['id']} in course {course_id}"
            answers.texts(LEARNERS, user, where, used)
            if user[account] is None:  # would be the account "None"
                raise MoodleError(f"Moodle {LEARNERS}: {account} of {where} is null")
        if len(learners) > self.config["page_size"]:
            # A page is read, stored and checkpointed whole: a site ignoring the limit
            # would have the run ask for every learner's completions in one go.
            raise MoodleError(
                f"Moodle {LEARNERS}: answered {len(learners)} learners "
                f"for a page of {self.config['page_size']} (limitnumber)")
        return learners

    def _store(
        self, run: SyncRun, course: dict[str, Any], users: list[dict[str, Any]], counts: _Counts
    ) -> None:
        """Read the page's completions; store those not stored yet, in one batch."""
        statements: list[dict[str, Any]] = []
        #: The learner each statement is about, by position.
        learners: list[dict[str, Any]] = []
        for user in users:
            refused = answers.unstorable(user, self._learner_fields(user))
            if refused:
                # ingest would refuse the page, and every later run at the same page.
                counts.leave_out(f"user {user['id']} in course {course['id']}",
                                 f"their {refused}", "their")
                continue
            agent = actor(
                self.site,
                user,
                identify_by=self.config["identify_by"],
                account_name=self.config["account_name"],
            )
            made = []
            answer = self._completion(COURSE_STATUS, course["id"], user["id"])
            if answer is not None:
                status = answers.course_status(answer, course["id"], user["id"])
                done = course_completion(self.site, course, user, status, agent)
                made += [done] if done else []
            if self.config["activities"]:
                answer = self._completion(ACTIVITY_STATUS, course["id"], user["id"])
                statuses = answers.activity_statuses(answer, course["id"], user["id"])
                made += activity_completions(self.site, course, user, statuses, agent)
            statements += made
            learners += [user] * len(made)
        stored = {
            s["id"] for s in self.host.get_statements(run.tenant_id, [s["id"] for s in statements])
        }
        new = [(s, user) for s, user in zip(statements, learners, strict=True)
               if s["id"] not in stored]
        counts.fetched += len(statements)
        counts.skipped += len(statements) - len(new)
        while new:
            try:
                self.host.ingest(run.tenant_id, [s for s, _ in new],
                                 authority=self._authority(run), plugin="moodle")
            except InvalidStatement as exc:
                new = self._without_refused(exc, new, course["id"], counts)
                continue
            counts.stored += len(new)
            return

    @staticmethod
    def _without_refused(
        refusal: InvalidStatement, new: list[tuple[dict[str, Any], dict[str, Any]]],
        course_id: int, counts: _Counts,
    ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """``new`` without the statements of the learners whose statements ingest
        refused (an email Moodle kept that is no address), each named in a message:
        the same page would be refused on every run, and the pass never get past it.

        :raises InvalidStatement: ``refusal`` when it names no statement of ``new``
            (a fault of the connector's, not of one learner's data).
        """
        refused: dict[int, str] = {}
        for detail in refusal.errors:
            index, where = _statement_place(detail.path, len(new))
            if index is not None:
                refused.setdefault(new[index][1]["id"], f"{where}: {detail.message}")
        if not refused:
            raise refusal
        for user_id, why in refused.items():
            counts.note(f"user {user_id} in course {course_id}: their statements were refused "
                        f"({quoted(why)}); their completions are left out")
        kept = [(s, user) for s, user in new if user["id"] not in refused]
        counts.skipped += len(new) - len(kept)
        return kept

    def _learner_fields(self, user: dict[str, Any]) -> tuple[str, ...]:
        """The learner's fields their statements carry (see :func:`actor`)."""
        email = user.get("email")
        uses_email = self.config["identify_by"] == "email" and (email or "").strip()
        return ("fullname", "email" if uses_email else self.config["account_name"])

    @staticmethod
    def _course_name(course: dict[str, Any]) -> tuple[str, ...]:
        """The course's field that names it in statements (see :func:`course_completion`)."""
        return next(((name,) for name in ("fullname", "shortname") if course.get(name)), ())

    def _completion(self, function: str, course_id: int, user_id: int) -> Any:
        """``function``'s answer for one learner, ``None`` when Moodle says there is no
        completion to report for them."""
        try:
            return self.client.call(function, courseid=course_id, userid=user_id)
        except MoodleError as exc:
            if exc.errorcode in NO_COMPLETION:
                return None
            raise

    def _authority(self, run: SyncRun) -> dict[str, Any]:
        return {
            "objectType": "Agent",
            "name": f"Moodle connector {run.instance}",
            "account": {"homePage": self.site, "name": "weft-moodle-connector"},
        }

    @staticmethod
    def _summary(
        counts: _Counts, *, more: bool = False, cursor: str | None = None, complete: bool = False
    ) -> SyncSummary:
        return SyncSummary(
            fetched=counts.fetched,
            stored=counts.stored,
            skipped=counts.skipped,
            cursor=cursor,
            messages=counts.said() + (("pass complete: every course read",) if complete else ()),
            more=more,
        )


def _statement_place(path: str, count: int) -> tuple[int | None, str]:
    """The position an error's JSON path (``$[3].actor.mbox``) names in a batch of
    ``count`` statements, and the place within that statement (``actor.mbox``);
    ``None`` for a path about the batch as a whole."""
    head, _, rest = path.removeprefix("$[").partition("]")
    if not path.startswith("$[") or not (head.isascii() and head.isdigit()):
        return None, path
    index = int(head)
    return (index if index < count else None), rest.removeprefix(".") or "the statement"
