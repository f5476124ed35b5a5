"""Corpus bot: answers questions about a folder of articles, on Discord and the command line."""

__version__ = "0.1.0"
