"""What the bot shows on Discord: embeds, views with buttons, private replies."""
