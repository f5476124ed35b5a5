"""The command line surface: ``python -m bot VERB``."""
