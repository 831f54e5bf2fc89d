"""Local SQLite store: conversations, messages, attachments, response index. No Textual."""
