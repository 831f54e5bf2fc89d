"""Image loading, validation and encoding as data URLs (Pillow). No Textual."""
