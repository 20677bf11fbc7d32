"""Printing a benchmark's progress and tables; the machine it runs on, and waiting until
others' work on it has calmed down."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.harness.timing import median


def say(text: str = "") -> None:
    print(text, flush=True)


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def ratio_text(mine: list[float] | None, base: list[float] | None) -> str:
    if not mine or not base or median(base) <= 0:
        return ""
    return f"{median(mine) / median(base):.2f}x"


@contextmanager
def quiet_logs() -> Iterator[None]:
    import logging

    level = logging.root.level
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
        logging.root.setLevel(level)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def wait_for_quiet(max_load: float | None, max_wait_s: float) -> None:
    """On a shared machine, wait (bounded) until others' work has calmed down."""
    if max_load is None or os.getloadavg()[0] <= max_load:
        return
    say(
        f"  waiting for the load average ({os.getloadavg()[0]:.2f}) to fall to {max_load} "
        f"(at most {max_wait_s:.0f} s)"
    )
    deadline = time.monotonic() + max_wait_s
    while time.monotonic() < deadline and os.getloadavg()[0] > max_load:
        time.sleep(5)
    say(f"  load average now {os.getloadavg()[0]:.2f}")
