"""Reading a corpus folder: files, front matter, metadata, markdown to text, articles."""
