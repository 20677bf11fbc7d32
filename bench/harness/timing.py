"""Probes, their samples, medians and p95s, interleaved rounds."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

Timings = dict[str, float]  # part name -> milliseconds; "total" is the whole call
Probe = Callable[[], Timings]


def ms(seconds: float) -> float:
    return seconds * 1000.0


@dataclass
class Results:
    """Samples per (case label, probe name, part)."""

    samples: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)

    def add(self, case: str, probe: str, timings: Timings) -> None:
        for part, value in timings.items():
            self.samples.setdefault((case, probe, part), []).append(value)

    def get(self, case: str, probe: str, part: str = "total") -> list[float] | None:
        return self.samples.get((case, probe, part))


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def measure(
    probes: dict[tuple[str, str], Probe], repeat: int, warmup: int, results: Results
) -> None:
    """Run every probe ``warmup`` times unrecorded, then ``repeat`` rounds, interleaved."""
    for round_number in range(warmup + repeat):
        for (case, name), probe in probes.items():
            timings = probe()
            if round_number >= warmup:
                results.add(case, name, timings)
