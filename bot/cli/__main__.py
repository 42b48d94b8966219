"""`python -m bot.cli` runs the command line."""

from bot.cli import main

raise SystemExit(main())
