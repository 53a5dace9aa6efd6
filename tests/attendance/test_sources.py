"""Attendance parsers on report files in each platform's published format.

Each fixture in ``data/`` is written the way the platform writes it (the Teams
file as UTF-16 bytes with a byte order mark and tabs, the Zoom API report as
pages linked by ``next_page_token``); broken variants are derived from them in
the tests, so every error is checked for naming its line or JSON path.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from plugins.attendance.sources import (
    SOURCES,
    SheetMapping,
    SourceError,
    detect,
    meet,
    parse,
    sheet,
    teams,
    webex,
    zoom,
)

DATA = Path(__file__).parent / "data"
DAY = date(2026, 12, 4)


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def at(hour: int, minute: int, second: int = 0, tz=UTC) -> datetime:
    return datetime(2026, 12, 4, hour, minute, second, tzinfo=tz).astimezone(UTC)


def spans(rows) -> list[tuple[str, str | None, datetime, datetime]]:
    return [(r.raw_name, r.email, r.join, r.leave) for r in rows]


def error_of(call) -> SourceError:
    with pytest.raises(SourceError) as caught:
        call()
    return caught.value


# -- detection --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("zoom_report_pages.json", "zoom"),
        ("zoom_report_page.json", "zoom"),
        ("zoom_participants_meeting.csv", "zoom"),
        ("zoom_participants.csv", "zoom"),
        ("zoom_unique_users.csv", "zoom"),
        ("teams_attendance.csv", "teams"),
        ("teams_graph_report.json", "teams"),
        ("teams_graph_records.json", "teams"),
        ("meet_attendance.csv", "meet"),
        ("webex_participants.json", "webex"),
        ("sheet_signin.csv", "sheet"),
    ],
)
def test_detect_recognises_each_fixture_by_its_content(name, source):
    # The file name says nothing: detection reads only the content.
    assert detect(read(name), "upload.bin") == source


def test_detect_finds_teams_tables_whatever_the_section_titles_say():
    text = read("teams_attendance.csv").decode("utf-16")
    translated = (
        text.replace("1. Summary", "1. Zusammenfassung")
        .replace("2. Participants", "2. Teilnehmer")
        .replace("3. In-Meeting Activities", "3. Aktivitäten in der Besprechung")
    )
    data = b"\xff\xfe" + translated.encode("utf-16-le")
    assert detect(data) == "teams"
    assert spans(teams.parse(data)) == spans(teams.parse(read("teams_attendance.csv")))


def test_detect_refuses_an_unknown_table_and_says_what_it_saw():
    error = error_of(lambda: detect(b"Colour,Size\nred,3\n", "stock.csv"))
    assert error.file == "stock.csv"
    assert "'Colour', 'Size'" in str(error) and "column mapping" in str(error)


def test_detect_refuses_unknown_json_and_broken_json_with_its_line():
    assert "not an attendance report" in str(error_of(lambda: detect(b'{"a": 1}')))
    error = error_of(lambda: detect(b'{\n  "participants": [\n    {,\n', "z.json"))
    assert str(error).startswith("z.json: line 3, column 6: not valid JSON")


def test_parse_with_a_named_source_and_the_registry():
    assert set(SOURCES) == {"zoom", "teams", "meet", "webex", "sheet"}
    source, rows = parse(read("zoom_participants.csv"), source="zoom")
    assert source == "zoom" and len(rows) == 3
    assert "unknown source 'skype'" in str(error_of(lambda: parse(b"x", source="skype")))
    mapping = SheetMapping(name="Name", present="Present")
    assert "for sign-in sheets, not zoom" in str(
        error_of(lambda: parse(read("zoom_participants.csv"), mapping=mapping))
    )


# -- Zoom -------------------------------------------------------------------------


def test_zoom_api_pages_one_row_per_stay_guests_by_registrant_id_waiting_room_left_out():
    rows = zoom.parse(read("zoom_report_pages.json"), filename="report.json")
    assert spans(rows) == [
        ("Ada Lovelace", "ada.lovelace@example.com", at(8, 58, 40), at(9, 31, 5)),
        ("Grace (guest)", "grace.hopper@partner.example", at(9, 2), at(10, 0)),
        ("Ada Lovelace", "ada.lovelace@example.com", at(9, 33, 10), at(10, 1, 30)),
        ("Phone caller", None, at(9, 10), at(9, 20)),
    ]
    # A Zoom user keeps their id; a guest without one is known by registrant_id,
    # a guest with neither by name and e-mail only.
    assert [r.external_id for r in rows] == [
        "30R7kT7bTIKSNUFEuH_Qlg",
        "9tboDiHUR2mHrR0b8iSXcw",
        "30R7kT7bTIKSNUFEuH_Qlg",
        None,
    ]
    assert [r.origin for r in rows] == [
        "page 1, participant 1",
        "page 1, participant 3",
        "page 2, participant 1",
        "page 2, participant 2",
    ]
    assert {r.source for r in rows} == {"zoom"}


def test_zoom_api_single_page_with_user_name():
    rows = zoom.parse(read("zoom_report_page.json"))
    assert spans(rows) == [
        ("Ada Lovelace", "ada.lovelace@example.com", at(9, 0), at(10, 0)),
        ("Alan Turing", "alan.turing@example.com", at(9, 15), at(9, 45)),
    ]
    assert rows[1].external_id is None


def test_zoom_api_refuses_a_download_that_stops_before_the_last_page():
    first_page = json.loads(read("zoom_report_pages.json"))[0]
    error = error_of(lambda: zoom.parse(json.dumps(first_page).encode(), filename="p1.json"))
    assert "p1.json: $.next_page_token: more pages follow" in str(error)
    # A connector reading page by page can take one page at a time.
    assert len(zoom.parse_json(first_page, require_complete=False)) == 2


def test_zoom_api_errors_name_each_json_path():
    pages = json.loads(read("zoom_report_pages.json"))
    del pages[0]["participants"][0]["join_time"]
    pages[1]["participants"][1]["leave_time"] = "yesterday"
    pages[1]["participants"][0]["leave_time"] = "2026-12-04T09:00:00Z"
    error = error_of(lambda: zoom.parse(json.dumps(pages).encode(), filename="r.json"))
    assert [str(p) for p in error.problems] == [
        "$[0].participants[0].join_time: missing",
        "$[1].participants[0].leave_time: is before join_time",
        "$[1].participants[1].leave_time: 'yesterday' is not an ISO 8601 date and time",
    ]
    assert "no participants list" in str(error_of(lambda: zoom.parse(b'[{"items": []}]')))


def test_zoom_csv_with_the_meeting_block_gives_the_meeting_id_and_skips_the_waiting_room():
    rows = zoom.parse(read("zoom_participants_meeting.csv"), filename="participants.csv")
    assert spans(rows) == [
        ("Trainer (Chris Moss)", "trainer@example.com", at(8, 58, 40), at(10, 1, 30)),
        ("Ada Lovelace", "ada.lovelace@example.com", at(8, 59, 12), at(9, 31, 5)),
        ("Ada Lovelace", "ada.lovelace@example.com", at(9, 33, 10), at(10, 1, 30)),
        ("Hopper, Grace", None, at(9, 2), at(9, 40)),
    ]
    assert {r.session_key for r in rows} == {"81234567890"}
    assert [r.origin for r in rows] == ["line 5", "line 6", "line 7", "line 9"]


def test_zoom_csv_plain_table_in_the_downloaders_time_zone():
    paris = ZoneInfo("Europe/Paris")
    rows = zoom.parse(read("zoom_participants.csv"), tz=paris)
    assert spans(rows) == [
        ("Ada Lovelace", "ada.lovelace@example.com", at(9, 1, 12, paris), at(10, 0, 0, paris)),
        ("Alan Turing (iPhone)", None, at(9, 20, tz=paris), at(9, 50, tz=paris)),
        ("Alan Turing (iPhone)", None, at(13, 5, tz=paris), at(13, 6, tz=paris)),
    ]
    assert rows[0].join == datetime(2026, 12, 4, 8, 1, 12, tzinfo=UTC)
    assert {r.session_key for r in rows} == {""}


def test_zoom_csv_unique_users_export_is_refused_with_the_way_out():
    error = error_of(lambda: zoom.parse(read("zoom_unique_users.csv"), filename="u.csv"))
    assert "total durations only" in str(error) and "Show unique users" in str(error)


def test_zoom_csv_errors_name_line_and_column():
    text = read("zoom_participants.csv").decode()
    broken = text.replace("12/04/2026 09:20:00 AM", "soon").replace(
        "12/04/2026 10:00:00 AM", "12/04/2026 08:00:00 AM"
    )
    error = error_of(lambda: zoom.parse(broken.encode(), filename="p.csv"))
    assert [str(p) for p in error.problems] == [
        "line 2, Leave Time: is before the join time",
        "line 3, Join Time: 'soon' is not a date and time",
    ]
    assert str(error).startswith("p.csv: line 2, Leave Time")


def test_zoom_csv_dates_that_read_both_ways_on_a_24_hour_clock_need_the_day():
    text = (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        "Ada,ada@example.com,04/12/2026 09:00:00,04/12/2026 10:00:00,60,No\n"
    )
    error = error_of(lambda: zoom.parse(text.encode()))
    assert "line 1: the times have dates that read both as day/month" in str(error)
    # The session's date settles it: 4 December, so day first.
    assert zoom.parse(text.encode(), day=DAY)[0].join == at(9, 0)
    assert zoom.parse(text.encode(), dayfirst=False)[0].join == datetime(2026, 4, 12, 9, tzinfo=UTC)
    # A day above 12 settles it too.
    later = text.replace("04/12/2026 10:00:00", "13/12/2026 10:00:00")
    assert zoom.parse(later.encode())[0].leave == datetime(2026, 12, 13, 10, tzinfo=UTC)


# -- Teams ------------------------------------------------------------------------


def test_teams_file_utf16_tabs_each_stay_from_the_activities_rest_from_participants():
    data = read("teams_attendance.csv")
    assert data[:2] == b"\xff\xfe" and b"\t\x00" in data
    rows = teams.parse(data, filename="Safety case - Attendance report 12-4-26.csv")
    assert spans(rows) == [
        ("Chris Moss", "chris.moss@example.com", at(8, 58, 40), at(10, 1, 30)),
        ("Ada Lovelace", "ada.lovelace@example.com", at(8, 59, 12), at(9, 31, 5)),
        ("Ada Lovelace", "ada.lovelace@example.com", at(9, 33, 10), at(10, 1, 30)),
        # "(External)" is Teams' note, not part of the name.
        ("Hopper, Grace", "grace.hopper@partner.example", at(9, 12), at(9, 58)),
        # Not in the activities table: first join to last leave.
        ("Alan Turing", "alan.turing@example.com", at(9, 0), at(9, 40)),
    ]
    # The UPN comes from the participants table, also for activity rows.
    assert [r.external_id for r in rows] == [
        "chris.moss@example.com",
        "ada.lovelace@example.com",
        "ada.lovelace@example.com",
        None,
        "alan.turing@example.com",
    ]
    assert [r.origin for r in rows] == ["line 18", "line 19", "line 20", "line 21", "line 14"]


def test_teams_file_only_lists_who_is_in_it_opted_out_people_make_no_row():
    text = read("teams_attendance.csv").decode("utf-16")
    without_alan = "\r\n".join(
        line for line in text.split("\r\n") if not line.startswith("Alan Turing")
    )
    rows = teams.parse(b"\xff\xfe" + without_alan.encode("utf-16-le"))
    assert "Alan Turing" not in {r.raw_name for r in rows}
    assert all(r.join and r.leave and r.present is None for r in rows)


def test_teams_file_participants_section_alone_and_leave_times_without_a_date():
    text = (
        "2. Participants\r\n"
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\r\n"
        "Ada\t12/4/26, 11:50:00\u202fPM\t12/5/26, 12:20:00\u202fAM\t30m\tada@example.com\t\t"
        "Attendee\r\n\r\n"
        "3. In-Meeting Activities\r\nName\tJoin Time\tLeave Time\tDuration\tEmail\tRole\r\n"
        "Ada\t12/4/26, 11:50:00 PM\t12:20:00 AM\t30m\tada@example.com\tAttendee\r\n"
    )
    rows = teams.parse(text.encode("utf-16"))
    # A leave time without its date is the first such time after the join.
    assert spans(rows) == [
        ("Ada", "ada@example.com", at(23, 50), datetime(2026, 12, 5, 0, 20, tzinfo=UTC))
    ]


def test_teams_file_errors_name_line_and_column():
    text = (
        read("teams_attendance.csv")
        .decode("utf-16")
        .replace("12/4/26, 9:31:05 AM", "12/4/26, 8:00:00 AM")
        .replace("12/4/26, 9:12:00 AM", "")
    )
    error = error_of(lambda: teams.parse(text.encode("utf-16"), filename="t.csv"))
    assert [str(p) for p in error.problems] == [
        "line 19, Leave Time: is before the Join Time",
        "line 21, Join Time: missing",
        "line 13, First Join: missing",
    ]
    assert "no Teams participants table" in str(
        error_of(lambda: teams.parse("1. Summary\r\nMeeting title\tX\r\n".encode("utf-16")))
    )


def test_teams_graph_report_one_row_per_interval_lacking_data_skipped():
    rows = teams.parse(read("teams_graph_report.json"))
    assert [(r.raw_name, r.email, r.external_id) for r in rows] == [
        ("Chris Moss", "chris.moss@example.com", "5a2b7b31-51f5-4e46-bd4c-1ff3f4c2a0e1"),
        ("Ada Lovelace", "ada.lovelace@example.com", "dc17674c-81d9-4adb-bfb2-8f6a442e4623"),
        ("Ada Lovelace", "ada.lovelace@example.com", "dc17674c-81d9-4adb-bfb2-8f6a442e4623"),
        ("Grace Hopper", "grace.hopper@partner.example", None),
    ]
    # Graph's seven fractional digits are read to the microsecond.
    assert rows[1].join == datetime(2026, 12, 4, 8, 59, 12, 278218, tzinfo=UTC)
    assert {r.session_key for r in rows} == {"c9b6db1c-d5eb-427d-a5c0-20088d9b22d7"}
    assert rows[2].origin == "record 2, interval 2"


def test_teams_graph_records_pages_and_their_next_link():
    records = json.loads(read("teams_graph_records.json"))
    report = json.loads(read("teams_graph_report.json"))
    rows = teams.parse(json.dumps([report, records]).encode())
    assert [r.raw_name for r in rows][-1] == "Alan Turing" and len(rows) == 5
    records["@odata.nextLink"] = "https://graph.microsoft.com/v1.0/...&$skiptoken=abc"
    error = error_of(lambda: teams.parse(json.dumps(records).encode(), filename="g.json"))
    assert "g.json: $['@odata.nextLink']: more attendance records follow" in str(error)


def test_teams_graph_errors_name_each_json_path():
    report = json.loads(read("teams_graph_report.json"))
    report["attendanceRecords"][1]["attendanceIntervals"][0]["leaveDateTime"] = (
        "2026-12-04T08:00:00Z"
    )
    report["attendanceRecords"][2]["attendanceIntervals"] = None
    error = error_of(lambda: teams.parse(json.dumps(report).encode()))
    assert [str(p) for p in error.problems] == [
        "$.attendanceRecords[1].attendanceIntervals[0].leaveDateTime: is before joinDateTime",
        "$.attendanceRecords[2]: an attendance record needs an attendanceIntervals list",
    ]
    del report["attendanceRecords"]
    assert "$expand=attendanceRecords" in str(error_of(lambda: teams.parse_graph(report)))


# -- Google Meet --------------------------------------------------------------------


def test_meet_times_of_day_completed_by_the_session_date_and_totals_kept():
    rows = meet.parse(read("meet_attendance.csv"), day=DAY)
    assert spans(rows) == [
        ("Ada Lovelace", "ada.lovelace@example.com", at(8, 59), at(10, 1)),
        ("Grace Hopper", "grace.hopper@partner.example", at(9, 5), at(9, 58)),
        ("Alan Turing", None, at(9, 30), at(9, 42)),
    ]
    # A total shorter than the span is kept; one equal to it says nothing more.
    assert [r.duration for r in rows] == [
        timedelta(hours=1, minutes=1),
        timedelta(minutes=35),
        None,
    ]


def test_meet_without_the_session_date_says_so_per_row():
    error = error_of(lambda: meet.parse(read("meet_attendance.csv"), filename="m.csv"))
    assert str(error.problems[0]) == (
        "line 2, Time joined: '8:59 AM' has no date; give the session's date"
    )
    assert len(error.problems) == 3


def test_meet_with_one_name_column_and_a_bad_duration():
    text = (
        "Name,Email,Duration,Time joined,Time exited\n"
        "Ada Lovelace,ada@example.com,about an hour,2026-12-04 09:00:00,2026-12-04 10:00:00\n"
    )
    error = error_of(lambda: meet.parse(text.encode()))
    assert [str(p) for p in error.problems] == [
        "line 2, Duration: 'about an hour' is not a duration"
    ]
    rows = meet.parse(text.replace("about an hour", "42m").encode())
    assert rows[0].raw_name == "Ada Lovelace" and rows[0].duration == timedelta(minutes=42)


# -- Webex ------------------------------------------------------------------------


def test_webex_one_row_per_device_stay_lobby_left_out():
    rows = webex.parse(read("webex_participants.json"))
    assert spans(rows) == [
        ("Ada Lovelace", "ada.lovelace@example.com", at(8, 59), at(9, 31)),
        ("Ada Lovelace", "ada.lovelace@example.com", at(9, 25), at(10, 1)),
        ("Grace Hopper", "grace.hopper@partner.example", at(9, 12), at(9, 58)),
    ]
    assert {r.session_key for r in rows} == {
        "3a688f62840346e8b87dde2b50703511_I_197977258267247872"
    }


def test_webex_errors_name_each_json_path():
    report = json.loads(read("webex_participants.json"))
    del report["items"][0]["devices"][1]["leftTime"]
    report["items"][1]["joinedTime"] = "12/04/2026"
    error = error_of(lambda: webex.parse(json.dumps([report]).encode()))
    assert [str(p) for p in error.problems] == [
        "$[0].items[0].devices[1].leftTime: missing",
        "$[0].items[1].joinedTime: '12/04/2026' is not an ISO 8601 date and time",
    ]
    assert "is JSON" in str(error_of(lambda: webex.parse(b"Name,Email\n")))


# -- sign-in sheets -------------------------------------------------------------------


def test_sheet_with_recognised_headers_marks_times_and_sessions():
    rows = sheet.parse(read("sheet_signin.csv"))
    assert [
        (r.raw_name, r.external_id, r.session_key, r.present, r.join, r.leave) for r in rows
    ] == [
        ("Ada Lovelace", "E1001", "day-1", True, at(9, 0), at(17, 0)),
        ("Grace Hopper", "E1002", "day-1", False, None, None),
        ("Alan Turing", "E1003", "day-1", True, at(9, 20), None),
        # No mark, but times: presence is left to the times.
        ("Katherine Johnson", "E1004", "day-1", None, at(9, 0), at(12, 30)),
    ]
    assert rows[0].email == "ada.lovelace@example.com" and rows[1].email is None


def test_sheet_with_a_column_mapping_and_its_own_values():
    mapping = SheetMapping.from_columns(
        {"name": "Learner", "employee_id": "HR number", "present": "Signed"},
        present_values=["X"],
        absent_values=["absent"],
    )
    rows = sheet.parse(read("roster_custom.csv"), mapping=mapping)
    # Semicolons (European Excel), "X" ticks; a blank tick is absent.
    assert [(r.raw_name, r.external_id, r.present, r.join) for r in rows] == [
        ("Ada Lovelace", "E1001", True, None),
        ("Grace Hopper", "E1002", False, None),
        ("Alan Turing", "E1003", False, None),
    ]
    with pytest.raises(ValueError, match="unknown sheet column role colour"):
        SheetMapping.from_columns({"colour": "Red"})


def test_sheet_errors_name_line_and_column():
    text = (
        "Name,Present,Time in,Time out\n"
        "Ada,maybe,,\n"
        ",yes,,\n"
        "Alan,yes,2026-12-04 10:00,2026-12-04 09:00\n"
    )
    error = error_of(lambda: sheet.parse(text.encode(), filename="s.csv"))
    assert [str(p) for p in error.problems] == [
        "line 2, Present: 'maybe' is neither a present value (1, p, present, true, x, y, yes, "
        "\u2713, \u2714) nor an absent one (0, a, absent, false, n, no)",
        "line 3: names nobody (no name, e-mail or employee id)",
        "line 4, Time out: is before Time in",
    ]
    missing = SheetMapping(name="Learner", present="Here")
    error = error_of(lambda: sheet.parse(text.encode(), mapping=missing))
    assert [str(p) for p in error.problems] == [
        "line 1: no column 'Learner' (the name column)",
        "line 1: no column 'Here' (the present column)",
    ]
    only_names = error_of(lambda: sheet.parse(b"Name,Colour\nAda,red\n"))
    assert "needs a name, e-mail or employee id column, and a present column" in str(only_names)
    times_only = b"Name,Time in,Time out\nAda,2026-12-04 09:00,\n"
    assert "line 2: needs both Time in and Time out" in str(
        error_of(lambda: sheet.parse(times_only))
    )
    assert "the sheet is empty" in str(error_of(lambda: sheet.parse(b"\n\n")))


def test_sheet_header_below_a_title_and_values_in_any_case():
    text = (
        "Safety case scenarios - sign-in sheet,,\n"
        "4 December 2026,,\n"
        ",,\n"
        "Participant,Employee number,Attended\n"
        "Ada Lovelace,E1001,YES\n"
        "Alan Turing,E1003,N\n"
    )
    assert detect(text.encode()) == "sheet"
    rows = sheet.parse(text.encode())
    assert [(r.raw_name, r.external_id, r.present, r.origin) for r in rows] == [
        ("Ada Lovelace", "E1001", True, "line 5"),
        ("Alan Turing", "E1003", False, "line 6"),
    ]
    mapping = SheetMapping(name="Participant", present="Attended", present_values={"YES"})
    assert [r.present for r in sheet.parse(text.encode(), mapping=mapping)] == [True, False]


def test_teams_file_in_a_day_first_24_hour_locale():
    text = (
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\r\n"
        "Ada\t04/12/2026, 09:00:00\t04/12/2026, 10:00:00\t1h\tada@example.com\t\tAttendee\r\n"
    ).encode("utf-16")
    error = error_of(lambda: teams.parse(text, filename="t.csv"))
    assert str(error) == (
        "t.csv: line 1: the times have dates that read both as day/month and as "
        "month/day; give the session's date or the date order"
    )
    berlin = ZoneInfo("Europe/Berlin")
    rows = teams.parse(text, day=DAY, tz=berlin)
    assert spans(rows) == [("Ada", "ada@example.com", at(9, 0, tz=berlin), at(10, 0, tz=berlin))]
    assert teams.parse(text, dayfirst=True, tz=berlin) == rows
    # A session date that neither reading gives decides nothing.
    assert "read both" in str(error_of(lambda: teams.parse(text, day=date(2026, 5, 1))))


def test_webex_rows_say_which_device():
    rows = webex.parse(read("webex_participants.json"))
    assert [r.origin for r in rows] == [
        "page 1, participant 1, device 1",
        "page 1, participant 1, device 2",
        "page 1, participant 2",
    ]


def test_teams_file_whose_participants_table_says_join_time_and_leave_time():
    text = (
        "Name\tJoin Time\tLeave Time\tDuration\tEmail\tParticipant ID (UPN)\tRole\r\n"
        "Ada\t12/4/26, 9:00:00 AM\t12/4/26, 10:00:00 AM\t1h\tada@example.com\tada@corp\t"
        "Attendee\r\n"
        "Alan\t12/4/26, 9:10:00 AM\t12/4/26, 9:50:00 AM\t40m\talan@example.com\t\tAttendee\r\n"
        "\r\n"
        "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole\r\n"
        "Ada\t12/4/26, 9:00:00 AM\t12/4/26, 9:20:00 AM\t20m\tada@example.com\tAttendee\r\n"
        "Ada\t12/4/26, 9:30:00 AM\t12/4/26, 10:00:00 AM\t30m\tada@example.com\tAttendee\r\n"
    ).encode("utf-16")
    assert detect(text) == "teams"
    rows = teams.parse(text)
    assert [(r.raw_name, r.external_id, r.join, r.leave) for r in rows] == [
        ("Ada", "ada@corp", at(9, 0), at(9, 20)),
        ("Ada", "ada@corp", at(9, 30), at(10, 0)),
        ("Alan", None, at(9, 10), at(9, 50)),
    ]


def test_a_comma_sheet_with_join_and_leave_columns_is_a_sheet_not_teams():
    text = b"Name,Join Time,Leave Time\nAda,2026-12-04 09:00,2026-12-04 10:00\n"
    assert detect(text) == "sheet"
    assert spans(sheet.parse(text)) == [("Ada", None, at(9, 0), at(10, 0))]


def test_teams_file_columns_marked_utc_are_read_in_utc_whatever_the_time_zone():
    text = (
        "Name\tFirst Join (UTC)\tLast Leave (UTC)\tIn-Meeting Duration\tEmail\tRole\r\n"
        "Ada\t12/4/26, 9:00:00 AM\t12/4/26, 10:00:00 AM\t1h\tada@example.com\tAttendee\r\n"
    ).encode("utf-16")
    rows = teams.parse(text, tz=ZoneInfo("America/New_York"))
    assert spans(rows) == [("Ada", "ada@example.com", at(9, 0), at(10, 0))]


def test_a_file_the_csv_reader_cannot_read_names_the_line():
    data = b'Name,Present\nAda,yes\nBo,"' + b"x" * 200_000 + b'"\n'
    error = error_of(lambda: sheet.parse(data, filename="s.csv"))
    assert (
        str(error) == "s.csv: line 3: not readable as CSV: field larger than field limit (131072)"
    )
