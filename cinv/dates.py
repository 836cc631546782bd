"""Dates a user types (`cinv diff --since DATE`): an ISO date or time, or a few relative words.

Only what this module understands is taken: git's own date parser reads any unknown text as
"now" without a word, and a diff "since now" that is empty would say nothing changed.
"""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

from cinv.errors import CinvError

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
_AGO = re.compile(r"^(\d{1,6})\s*(second|minute|hour|day|week)s?\s+ago$")


def parse(text: str, what: str, now: float | None = None) -> float:
    """Unix seconds of: `2026-03-01`, `2026-03-01 18:00[:00]` (local time, as git reads
    dates) or with a zone (`2026-03-01T18:00+01:00`, `...Z`); `today` / `yesterday` (their
    midnight); `N minutes|hours|days|weeks ago`."""
    now = time.time() if now is None else now
    word = " ".join(text.strip().lower().split())
    if word in ("today", "yesterday"):
        midnight = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0,
                                                       microsecond=0)
        return (midnight - timedelta(days=1 if word == "yesterday" else 0)).timestamp()
    m = _AGO.match(word)
    if m:
        return now - int(m.group(1)) * _UNITS[m.group(2)]
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CinvError(f"{what}: {text!r} is not a date (give 2026-03-01, '2026-03-01 18:00', "
                        "yesterday, today or '3 days ago')") from None
    return moment.timestamp()  # a time without a zone is local time


def text(when: float) -> str:
    """'2026-03-01 18:00:00 +0100': local time, as git log shows a date."""
    return datetime.fromtimestamp(when).astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
