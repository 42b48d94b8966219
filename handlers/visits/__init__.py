"""Guidance sessions: /ghinhan by guided form or in one line, the confirmation card, saving once (one
token per card), and correcting or deleting a session later, by whoever may; the catalogue of services
and places a session is about."""
