"""Announcements: citizens subscribe for their area (/dangkytin, /huytin); officers, and leaders with
approval, compose, preview, schedule, follow and cancel them (/thongbao). Confirming one writes an outbox
row per recipient in the same unit of work; the delivery worker in bot/ sends them."""
