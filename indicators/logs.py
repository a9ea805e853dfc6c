"""Where details of failures go: a log file (people see a short message; the log keeps the traceback)."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from indicators.paths import DATA_DIR

LOG_ENV = "XINAN_LOG_FILE"
DEFAULT_LOG_FILE = DATA_DIR / "logs" / "xinan.log"
LOGGER_NAME = "indicators"


def log_file() -> Path:
    """Return the log file: $XINAN_LOG_FILE, else data/logs/xinan.log."""
    return Path(os.environ.get(LOG_ENV) or DEFAULT_LOG_FILE)


def logger() -> logging.Logger:
    """Return the project's logger, writing to log_file() (reopened after logrotate moves it)."""
    log = logging.getLogger(LOGGER_NAME)
    path = log_file()
    current = [h for h in log.handlers if getattr(h, "xinan_path", None) == str(path)]
    if not current:
        for old in [h for h in log.handlers if hasattr(h, "xinan_path")]:
            log.removeHandler(old)
            old.close()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler: logging.Handler = logging.handlers.WatchedFileHandler(path, encoding="utf-8")
        except OSError:
            handler = logging.StreamHandler()  # no writable log folder: stderr is better than nothing
        handler.xinan_path = str(path)  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return log
