"""Instructor-led attendance merged with online learning (issue 19, being built).

Attendance files and APIs (Zoom, Microsoft Teams, Google Meet, Webex, sign-in
sheets) are parsed into :class:`plugins.attendance.rows.AttendanceRow`, matched
to people of the directory, merged per person and session, and recorded as
``attended`` statements.
"""
