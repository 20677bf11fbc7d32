"""The referral benchmark's table and its verdicts against the targets."""

from __future__ import annotations

from bench.harness.output import fmt, ratio_text
from bench.harness.timing import median, p95
from bench.referrals.probes import Samples

TARGET_SIZE = 1_000_000
TARGET_E2E_MS = 15.0
TARGET_REFRESH_S = 60.0


ROWS = (
    ("graph.explore.referrals (raw engine, round trips)", "engine"),
    ("  engine-internal time of its statements", "internal"),
    ("SQLite recursive CTE", "sql"),
    ("REST API end to end (ours)", "rest"),
)
AGGREGATE_ROWS = (
    ("graph, walked live: one Cypher statement, round trip", "engine"),
    ("  engine-internal time", "internal"),
    ("SQLite recursive CTE", "sql"),
    ("graph: stored by analytics refresh (network_totals)", "stored"),
    ("  SQLite recursive CTE, measured again beside it", "sql (again)"),
)
AGGREGATE = "descendant count + revenue"
ATTRIBUTION = "channel attribution, depth 10"


def report(
    samples: Samples, questions: list[str], notes: list[str], engines: list[tuple[str, str]]
) -> str:
    """One block per question: a median and p95 column pair per engine (``engines``: column
    name and probe prefix) and SQLite's, then each engine's ratio to SQLite's answer (and
    Neo4j's to FalkorDB's when both ran)."""
    names = [name for name, _ in engines]
    columns = [*names, "SQLite"]
    header = f"{'':54}" + "".join(f" {name + ' med':>12} {'p95':>8}" for name in columns)
    header += "".join(f" {name[0] + '/SQL':>7}" for name in names)
    header += f" {'N/F':>7}" if len(names) == 2 else ""
    title = f"=== referral benchmark: GraphCRM on {' and '.join(names)} vs SQLite ==="
    lines = ["", title, *notes]
    for question in questions:
        lines += ["", question, header]
        for label, probe in AGGREGATE_ROWS if question == AGGREGATE else ROWS:
            if probe.startswith("sql"):
                cells = [*(None for _ in engines), samples.get(question, probe)]
            else:
                cells = [*(samples.get(question, prefix + probe) for _, prefix in engines), None]
            if not any(cells):
                continue
            base = samples.get(question, "sql (again)" if probe == "stored" else "sql")
            mine = cells[:-1]
            line = f"{label:54}"
            for values in cells:
                line += f" {fmt(median(values) if values else None):>12}"
                line += f" {fmt(p95(values) if values else None):>8}"
            line += "".join(f" {ratio_text(values, base):>7}" for values in mine)
            line += f" {ratio_text(mine[1], mine[0]):>7}" if len(mine) == 2 else ""
            lines.append(line.rstrip())
    return "\n".join(lines)


def verdicts(samples: Samples, size: int, refresh: str | None) -> list[str]:
    scope = "" if size >= TARGET_SIZE else " (informative below 1M)"
    lines = ["", "targets:"]
    for question in ("chain", "tree depth 6"):
        values = samples.get(question, "rest")
        if values:
            med = median(values)
            verdict = "met" if med <= TARGET_E2E_MS else "MISSED"
            lines.append(
                f"  {question} median end to end through the API {med:.2f} ms "
                f"<= {TARGET_E2E_MS:.0f} ms -> {verdict}{scope}"
            )
    for probe, how, against in (
        ("engine", "walked live", "sql"),
        ("stored", "stored by analytics refresh", "sql (again)"),
    ):
        mine, base = samples.get(AGGREGATE, probe), samples.get(AGGREGATE, against)
        if mine and base:
            verdict = "met" if median(mine) < median(base) else "MISSED"
            inside = samples.get(AGGREGATE, "internal") if probe == "engine" else None
            extra = f"; engine-internal {ratio_text(inside, base)}" if inside else ""
            lines.append(
                f"  largest trees, {AGGREGATE}, {how}: graph {median(mine):.2f} ms vs SQLite "
                f"{median(base):.2f} ms ({ratio_text(mine, base)}{extra}) -> {verdict}{scope}"
            )
    lines.append(f"  analytics refresh: {refresh or 'not run here (--refresh)'}")
    return lines
