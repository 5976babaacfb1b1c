"""A short-lived in-process cache for the public statistics actions.

The figures of /stats and its CSV files add up a year of daily counts over the whole catalog;
they are the same for every caller (public datasets only) and a few seconds late anyway (the
counts are flushed in batches). So each process keeps an action's answer for its arguments
for `PORTAL_STATS_CACHE_SECONDS` (app.config; default 30 s, 0 in a testing app, where tests
count and read back at once). Nothing is written to the database to cache, and an answer that
depends on the caller (search terms staff may see) keeps the caller's kind in its key.
"""

from __future__ import annotations

import copy
import functools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from portal.actions import Context

DEFAULT_SECONDS = 30.0
MAX_ENTRIES = 256
EXTENSION = "portal.stats_cache"
Action = Callable[["Context", dict[str, Any]], Any]


class TtlCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def get(self, key: str) -> Any:
        with self.lock:
            found = self.entries.get(key)
            if found is None or found[0] < time.monotonic():
                return None
            return found[1]

    def put(self, key: str, value: Any, seconds: float) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + seconds, value)
            self.entries.move_to_end(key)
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)


def ttl_of(context: Context) -> float:
    config = context.app.config
    default = 0.0 if context.app.testing else DEFAULT_SECONDS
    return float(config.get("PORTAL_STATS_CACHE_SECONDS", default))


def cached(
    function: Action | None = None, *, audience: Callable[[Context], str] | None = None
) -> Any:
    """Cache an action's result per arguments (and per `audience(context)`, when given)."""

    def decorate(action: Action) -> Action:
        @functools.wraps(action)
        def wrapper(context: Context, data_dict: dict[str, Any]) -> Any:
            seconds = ttl_of(context)
            if seconds <= 0:
                return action(context, data_dict)
            who = audience(context) if audience else ""
            key = json.dumps([action.__name__, who, data_dict], sort_keys=True, default=str)
            store = context.app.extensions.setdefault(EXTENSION, TtlCache())
            found = store.get(key)
            if found is None:
                found = action(context, data_dict)
                store.put(key, found, seconds)
            return copy.deepcopy(found)  # callers may change what they get

        return wrapper

    return decorate(function) if function is not None else decorate
