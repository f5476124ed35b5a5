"""The query log: the writer, schema migrations, privacy, statistics and charts."""
