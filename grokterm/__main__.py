"""Allows `python -m grokterm`."""

from grokterm.cli import main

raise SystemExit(main())
