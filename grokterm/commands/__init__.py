"""Sub-commands of the `grokterm` CLI, one module each (`<name>_cmd.py`)."""
