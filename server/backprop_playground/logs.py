"""Keep secrets out of the server's logs: an edit token given as `?token=` is written as `token=…`."""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(r"((?:^|[?&;])token=)[^&\s\"']*", re.IGNORECASE)
LOGGERS = ("uvicorn.error", "uvicorn.access", "uvicorn")


def redact(text: str) -> str:
    """`text` with the value of every `token=` query parameter replaced."""
    return _SECRET.sub(r"\1…", text)


class RedactTokens(logging.Filter):
    """A filter that redacts `token=` values in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "token=" in record.msg.lower():
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) and "token=" in a.lower() else a
                                for a in record.args)
        return True


def install() -> None:
    """Put the filter on the loggers of the ASGI server (once; they log the request line and path)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
