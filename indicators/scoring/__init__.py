"""Progress toward targets, status, trends and the roll-ups to first-level, theme and 心安指数 scores."""
