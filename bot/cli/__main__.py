"""`python -m bot.cli`: the same as the `replycrew` command."""

from bot.cli.main import main

raise SystemExit(main())
