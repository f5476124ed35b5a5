"""Discord cogs, each loaded by name with its ``setup(bot)``."""
