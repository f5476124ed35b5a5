"""Text analysis: one analyzer for articles and questions, English word lists, typos, dates."""
