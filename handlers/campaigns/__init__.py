"""Campaigns with deadlines and targets per area: /chiendich to list, create, edit and cancel them,
/tiendo for progress against a straight-line pace (text and chart), who may do what with them (`access`),
the reminder plan and the words of reminders and weekly digests, and their sheet in the /baocao workbook."""
