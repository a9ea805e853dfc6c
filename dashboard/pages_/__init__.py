"""Streamlit pages, run by file path from dashboard/app.py (a package so import-linter sees them)."""
