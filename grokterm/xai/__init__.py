"""xAI HTTP client, wire models and streaming. Knows nothing of Textual."""
