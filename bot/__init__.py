"""cds-bot: the application package."""

from bot import aiogram_schemas

# Before anything of ours imports aiogram: its models are built on first use (bot/aiogram_schemas.py).
aiogram_schemas.defer()
