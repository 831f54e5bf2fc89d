"""The bundled colour themes (`*.toml`), shipped as package data so every install has them.

Not code: `grokterm.ui.themes` loads the files from this folder (see `paths.bundled_themes_dir`).
The format is documented in the repository's `themes/README.md`.
"""
