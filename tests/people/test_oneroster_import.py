"""``lrs people import-oneroster``: a OneRoster 1.2 CSV roster into the people directory.

The roster in ``tests/people/data/oneroster`` is in the published 1.2 bulk format
(manifest, orgs, academic sessions, courses, classes, users, roles, enrollments,
and a demographics file the manifest marks absent). It is imported through the
CLI on each test database and read back as plugins and the web UI read it.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lrs.app import create_app
from lrs.plugin.events import AdminActionTaken, Event
from lrs.runtime import Runtime
from lrs.services.directory import group_details
from lrs.settings import Settings
from tests.plugins.conftest import install_distribution
from tests.plugins.test_cli_events import lrs, recorder, work

assert lrs and recorder and install_distribution  # fixtures, used by name

ROSTER = Path(__file__).parent / "data" / "oneroster"
LMS = "https://lms.example.edu"
MATH, SCIENCE = "Math 7 - Period 1", "Science 7 - Period 2"


@pytest.fixture
def runtime(make_settings: Callable[..., Settings]) -> Iterator[Runtime]:
    runtime = create_app(make_settings()).extensions["lrs"]
    yield runtime
    runtime.db.engine.dispose()


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    """A copy of the roster directory, to edit."""
    return Path(shutil.copytree(ROSTER, tmp_path / "roster"))


def edit(roster: Path, name: str, old: str, new: str) -> None:
    path = roster / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def members(lrs: Any, name: str) -> dict[str, str]:
    """``lrs people groups members NAME``: each member's role."""
    shown = lrs("people", "groups", "members", name, "--json")
    assert shown.exit_code == 0, shown.output
    return {member["employee_id"]: member["role"] for member in json.loads(shown.stdout)}


def test_users_become_people_classes_groups_and_enrollments_members(
    lrs: Any, runtime: Runtime, recorder: Callable[[], list[Event]],
) -> None:
    result = lrs("people", "import-oneroster", str(ROSTER), "--home-page", LMS)
    assert result.exit_code == 0, result.output
    assert "Imported 3 people into store 'default': 3 new, 0 updated, 0 unchanged." in (
        result.stdout)
    assert ("Classes: 2 (2 new, 0 renamed); enrollments: 5 (5 added, 0 removed, "
            "0 with a new role).") in result.stdout
    assert "Importing roster" in result.stderr  # the progress bar, on stderr only
    host = runtime.host
    jordan = host.resolve_person(1, {"mbox": "mailto:jordan.lee@lincoln.example.org"})
    assert jordan.id == "t1" and jordan.name == "Jordan Lee"
    assert jordan.attributes == {
        "sourcedId": "t1", "identifier": "T100", "username": "jlee", "active": "true",
        "org": "Lincoln Middle School", "role": "teacher",
        "email": "jordan.lee@lincoln.example.org"}
    # The username is an account on the LMS; the preferred name is the one shown;
    # roster extension columns (metadata.*) are kept.
    avery = host.resolve_person(1, {"account": {"homePage": LMS, "name": "asmith"}})
    assert (avery.id, avery.name) == ("s1", "Ave Smith")
    assert avery.attributes["metadata.homeroom"] == "7A"
    assert avery.attributes["grades"] == "07" and avery.attributes["role"] == "student"
    blake = host.resolve_person(1, {"account": {"homePage": LMS, "name": "bjones"}})
    assert blake.attributes["active"] == "false"  # enabledUser false
    assert members(lrs, MATH) == {"t1": "teacher", "s1": "student", "s2": "student"}
    assert members(lrs, SCIENCE) == {"t1": "teacher", "s1": "student"}
    work(lrs)
    [event] = [e for e in recorder() if isinstance(e, AdminActionTaken)]
    assert (event.action, event.target) == ("people.oneroster_imported", "tenant:1")
    assert event.details == {"created": 3, "updated": 0, "unchanged": 0,
                             "groups_created": 2, "groups_renamed": 0, "members_added": 5,
                             "members_removed": 0, "roles_changed": 0}


def test_reimport_changes_nothing_and_a_new_export_moves_people(
    lrs: Any, roster: Path,
) -> None:
    assert lrs("people", "import-oneroster", str(roster)).exit_code == 0
    again = lrs("people", "import-oneroster", str(roster))
    assert "3 people into store 'default': 0 new, 0 updated, 3 unchanged." in again.stdout
    assert "Classes: 2 (0 new, 0 renamed); enrollments: 5 (0 added, 0 removed" in again.stdout
    # Next term's export: Blake left Math for Science, Avery became an aide of Math,
    # and Math was renamed.
    edit(roster, "enrollments.csv", "e3,,,class-math7-p1", "e3,,,class-sci7-p2")
    edit(roster, "enrollments.csv", "e2,,,class-math7-p1,org1,s1,student",
         "e2,,,class-math7-p1,org1,s1,ext:aide")
    edit(roster, "classes.csv", "Math 7 - Period 1", "Math 7 - P1")
    edited = lrs("people", "import-oneroster", str(roster))
    assert edited.exit_code == 0, edited.output
    assert "Classes: 2 (0 new, 1 renamed); enrollments: 5 (1 added, 1 removed, " \
           "1 with a new role)." in edited.stdout
    assert members(lrs, "Math 7 - P1") == {"t1": "teacher", "s1": "ext:aide"}
    assert members(lrs, SCIENCE) == {"t1": "teacher", "s1": "student", "s2": "student"}


def test_two_classes_may_swap_names(lrs: Any, runtime: Runtime, roster: Path) -> None:
    assert lrs("people", "import-oneroster", str(roster)).exit_code == 0
    edit(roster, "classes.csv", MATH, "swapping")
    edit(roster, "classes.csv", SCIENCE, MATH)
    edit(roster, "classes.csv", "swapping", SCIENCE)
    swapped = lrs("people", "import-oneroster", str(roster))
    assert swapped.exit_code == 0, swapped.output
    assert "Classes: 2 (0 new, 2 renamed); enrollments: 5 (0 added, 0 removed" in swapped.stdout
    assert members(lrs, MATH) == {"t1": "teacher", "s1": "student"}
    assert group_details(runtime, tenant_id=1, name=MATH)["source_key"] == (
        "oneroster:class:class-sci7-p2")


def test_a_zip_is_read_like_a_directory_and_a_dry_run_writes_nothing(
    lrs: Any, runtime: Runtime, tmp_path: Path,
) -> None:
    archive = tmp_path / "roster.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in ROSTER.iterdir():  # in a folder, as some exports are
            zipped.write(path, f"export-2026-08-15/{path.name}")
    dry = lrs("people", "import-oneroster", str(archive), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Would import 3 people into store 'default': 3 new" in dry.stdout
    assert "Classes: 2 (2 new, 0 renamed); enrollments: 5 (5 added" in dry.stdout
    assert runtime.host.resolve_person(1, {"mbox": "mailto:jordan.lee@lincoln.example.org"}) \
        is None
    assert lrs("people", "groups", "list", "--json").stdout.strip() == "[]"
    done = lrs("people", "import-oneroster", str(archive), "--key", "identifier")
    assert done.exit_code == 0, done.output
    assert members(lrs, MATH) == {"T100": "teacher", "S2001": "student",
                                      "S2002": "student"}


def test_every_error_is_named_with_its_file_line_and_column_and_nothing_is_imported(
    lrs: Any, runtime: Runtime, roster: Path,
) -> None:
    edit(roster, "users.csv", "s2,,,false,bjones", "s1,,,maybe,bjones")
    edit(roster, "users.csv", "avery.smith@students.example.org", "not-an-address")
    edit(roster, "enrollments.csv", "e4,,,class-sci7-p2,org1,t1,teacher,true,2026-08-15",
         "e4,,,class-sci7-p9,org1,t1,principal,yes,2026-08-32")
    edit(roster, "classes.csv", "course-sci7,SCI7-2", "course-art7,SCI7-2")
    result = lrs("people", "import-oneroster", str(roster))
    assert result.exit_code == 1
    for line in ("users.csv: line 4, sourcedId: 's1' is also on line 3",
                 "users.csv: line 4, enabledUser: 'maybe' is not true or false",
                 "users.csv: line 3, email: 'not-an-address' is not an email address",
                 "classes.csv: line 3, courseSourcedId: 'course-art7' is not in courses.csv",
                 "enrollments.csv: line 5, classSourcedId: 'class-sci7-p9' is not in "
                 "classes.csv",
                 "enrollments.csv: line 5, role: 'principal' is not one of administrator, "
                 "proctor, student, teacher (or ext:...)",
                 "enrollments.csv: line 5, primary: 'yes' is not true or false",
                 "enrollments.csv: line 5, beginDate: '2026-08-32' is not a date"):
        assert line in result.stderr, (line, result.stderr)
    assert "error(s): nothing imported" in result.stderr
    assert runtime.host.resolve_person(1, {"mbox": "mailto:jordan.lee@lincoln.example.org"}) \
        is None


def test_a_roster_that_is_not_bulk_one_roster_1_2_is_refused(
    lrs: Any, roster: Path,
) -> None:
    edit(roster, "manifest.csv", "oneroster.version,1.2", "oneroster.version,1.1")
    edit(roster, "manifest.csv", "file.enrollments,bulk", "file.enrollments,delta")
    (roster / "roles.csv").unlink()
    result = lrs("people", "import-oneroster", str(roster))
    assert result.exit_code == 1
    assert "manifest.csv: line 3, oneroster.version: '1.1' is not 1.2" in result.stderr
    assert "manifest.csv: line 11, file.enrollments: delta files are not read" in result.stderr
    assert "manifest.csv: line 20, file.roles: says bulk, but there is no roles.csv" in (
        result.stderr)
    assert "3 error(s): nothing imported" in result.stderr
    (roster / "manifest.csv").unlink()
    assert "no manifest.csv" in lrs("people", "import-oneroster", str(roster)).output


def test_users_csv_of_one_roster_1_1_is_named_as_such(lrs: Any, roster: Path) -> None:
    edit(roster, "users.csv", "sourcedId,status,dateLastModified,enabledUser,",
         "sourcedId,status,dateLastModified,enabledUser,role,")
    result = lrs("people", "import-oneroster", str(roster))
    assert result.exit_code == 1
    assert ("users.csv: line 1, role: not a OneRoster 1.2 users.csv column (a OneRoster 1.1 "
            "column: export OneRoster 1.2)") in result.stderr


def test_a_class_named_like_another_group_keeps_its_sourced_id_in_its_name(
    lrs: Any, roster: Path,
) -> None:
    assert lrs("people", "groups", "create", SCIENCE).exit_code == 0
    edit(roster, "classes.csv", MATH, SCIENCE)  # two classes of the same name, too
    assert lrs("people", "import-oneroster", str(roster)).exit_code == 0
    assert members(lrs, f"{SCIENCE} (class-math7-p1)") == {
        "t1": "teacher", "s1": "student", "s2": "student"}
    assert set(members(lrs, f"{SCIENCE} (class-sci7-p2)")) == {"t1", "s1"}
    assert members(lrs, SCIENCE) == {}  # the admin's group is left alone


def test_what_is_not_a_roster_is_refused_in_one_line(lrs: Any, tmp_path: Path) -> None:
    text = tmp_path / "users.txt"
    text.write_text("hello", encoding="utf-8")
    assert "neither a zip file nor a directory" in lrs(
        "people", "import-oneroster", str(text)).stderr
    (tmp_path / "latin1").mkdir()
    shutil.copytree(ROSTER, tmp_path / "latin1", dirs_exist_ok=True)
    (tmp_path / "latin1" / "users.csv").write_bytes("sourcedId\nJos\xe9\n".encode("latin-1"))
    assert "users.csv: line 2 is not UTF-8" in lrs(
        "people", "import-oneroster", str(tmp_path / "latin1")).stderr
    bad_home = lrs("people", "import-oneroster", str(ROSTER), "--home-page", "lms.example")
    assert bad_home.exit_code == 2 and "--home-page: must be an http(s) URL" in bad_home.stderr



def zipped(roster: Path, archive: Path, **inflated: int) -> Path:
    """``roster`` as a zip at ``archive``; each file named in ``inflated`` (``users``) is
    instead that many bytes (whole MiB) of zeros, compressed to about a thousandth."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in roster.iterdir():
            if path.stem not in inflated:
                zipped.write(path, path.name)
                continue
            with zipped.open(path.name, "w") as member:
                for _ in range(inflated[path.stem] >> 20):
                    member.write(bytes(1 << 20))
    return archive


def state_size(archive: Path, name: str, size: int) -> None:
    """Make the zip state ``size`` bytes inflated for ``name`` in its central directory
    (what readers go by): the lie a crafted zip can tell."""
    data = bytearray(archive.read_bytes())
    entry = data.find(b"PK\x01\x02")
    while data[entry + 46:entry + 46 + len(name)] != name.encode():
        entry = data.find(b"PK\x01\x02", entry + 4)
    data[entry + 24:entry + 28] = size.to_bytes(4, "little")
    archive.write_bytes(bytes(data))


def test_a_zip_bomb_is_refused_before_it_is_inflated(
    lrs: Any, runtime: Runtime, tmp_path: Path,
) -> None:
    """65 MiB of users.csv in about 65 KB, past the default limit of 64 MiB."""
    archive = zipped(ROSTER, tmp_path / "bomb.zip", users=65 << 20)
    assert archive.stat().st_size < 100_000
    result = lrs("people", "import-oneroster", str(archive))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: users.csv: larger than the 67108864 byte limit of a roster file "
        "(LRS_MAX_ROSTER_FILE_BYTES)"]
    assert runtime.host.resolve_person(1, {"mbox": "mailto:jordan.lee@lincoln.example.org"}) \
        is None


def test_a_zip_stating_a_file_smaller_than_it_inflates_is_refused(
    lrs: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Within the limit by what it states, past it by what it holds: inflating stops at
    the stated size, where the file's CRC fails."""
    monkeypatch.setenv("LRS_MAX_ROSTER_FILE_BYTES", str(1 << 20))
    archive = zipped(ROSTER, tmp_path / "liar.zip", users=2 << 20)
    state_size(archive, "users.csv", 1000)
    result = lrs("people", "import-oneroster", str(archive))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {archive}: not a zip that can be read (Bad CRC-32 for file 'users.csv')"]


def test_a_file_of_a_directory_past_the_limit_is_refused(
    lrs: Any, roster: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LRS_MAX_ROSTER_FILE_BYTES", "1000")
    (roster / "enrollments.csv").write_bytes(b"x" * 1001)
    result = lrs("people", "import-oneroster", str(roster))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: enrollments.csv: larger than the 1000 byte limit of a roster file "
        "(LRS_MAX_ROSTER_FILE_BYTES)"]
