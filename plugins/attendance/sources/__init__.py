"""Parsers of attendance reports, one module per platform, each yielding
:class:`plugins.attendance.rows.AttendanceRow`."""
