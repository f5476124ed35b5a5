"""The optional semantic stage: a sentence-embedding model's vectors beside BM25F."""
