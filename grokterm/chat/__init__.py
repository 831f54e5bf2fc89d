"""Conversation logic shared by the TUI and `grokterm ask`: store + client, no Textual."""
