"""Exports for reports: decorated chart images, the data behind charts, and briefing packs (PPTX/PDF)."""
