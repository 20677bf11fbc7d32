"""Readable uids for every record: the type's prefix, the business day and a daily serial.

Every node type declares a ``uid_prefix`` (``graph.model.nodes``); a new record's uid is that
prefix, the day it was created in the business time zone and the next serial of that day,
at least three digits: ``C20240520001``, ``F20240520002``, ``U20240520001``. The serial is
counted atomically in the graph (one ``Serial`` node per prefix and day), so concurrent
creates on any number of processes get distinct uids. A number is never handed out twice;
a create that fails after taking one leaves a gap.
"""

from __future__ import annotations

import datetime as dt

from graph.store.protocol import GraphStore


def serial_key(prefix: str, now: dt.datetime, timezone: dt.tzinfo) -> str:
    """The counter a uid made at ``now`` is drawn from: prefix + YYYYMMDD in ``timezone``."""
    return f"{prefix}{now.astimezone(timezone).strftime('%Y%m%d')}"


def next_uid(store: GraphStore, prefix: str, now: dt.datetime, timezone: dt.tzinfo) -> str:
    """Allocate the next uid for a record of ``prefix`` created at ``now`` (one write)."""
    return store.write("serial_next", serial_key=serial_key(prefix, now, timezone))[0]["uid"]
