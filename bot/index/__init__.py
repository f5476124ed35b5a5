"""The search index: fields, term matrices, the BM25F engine, saving and loading, search."""
