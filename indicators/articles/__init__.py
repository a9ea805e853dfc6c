"""Figures in news articles: text clean-up, quantity parsing, extraction and the curated article metrics."""
