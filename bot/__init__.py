"""cds-bot: the application package."""

from bot.channels import aiogram_schemas

# Before anything of ours imports aiogram: its models are built on first use
# (bot/channels/aiogram_schemas.py).
aiogram_schemas.defer()
