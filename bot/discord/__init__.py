"""Discord surface: the client, cogs, embeds, views and error handling."""
