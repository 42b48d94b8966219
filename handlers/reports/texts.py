"""Sentences of the period comparisons in /thongke and /tiendo (the rest of /thongke's words are in
handlers/visits/texts.py)."""

PREVIOUS_WEEK = "tuần trước"
PREVIOUS_MONTH = "tháng trước"
PREVIOUS_YEAR = "năm trước"
PREVIOUS_SPAN = "kỳ trước"
PREVIOUS_LABEL = "{name} ({start}–{end})"
CHANGE = "{delta}{percent}"
CHANGE_PERCENT = " ({percent}%)"
COMPARED = "So với {previous}: {people}, {sessions}."
PEOPLE = "người"
SESSIONS = "buổi"
