"""grokterm: a terminal chat client for xAI's Grok API."""

__version__ = "0.1.0"
