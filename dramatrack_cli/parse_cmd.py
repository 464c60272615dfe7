"""``dramatrack parse ...`` commands (filled in by the parsers work)."""
