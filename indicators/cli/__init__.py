"""Command line: `python -m indicators COMMAND`; one module per family of sub-commands."""
