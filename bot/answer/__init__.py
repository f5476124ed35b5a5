"""From search hits to answers: signals and the abstain decision, quotes, related reading,
rendering, and evaluation of answers against question sets."""
