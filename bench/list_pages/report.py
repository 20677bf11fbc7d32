"""The list benchmark's tables: medians, p95s and ratios per case, and the targets."""

from __future__ import annotations

from bench.harness.output import fmt, ratio_text
from bench.harness.timing import Results, median, p95
from bench.list_pages.probes import PAGE_SIZE, STAGE, Selection

TARGET_SIZE = 1_000_000
TARGET_MEDIAN_MS = 50.0
TARGET_RATIO = 1.5

ROWS = (
    # (label, our probe, our part, SQLite probe, SQLite part)
    ("data layer: list (count+page+relations)", "engine", "total", "sql", "total"),
    ("  count", "engine", "count", "sql", "count"),
    ("  page", "engine", "page", "sql", "page"),
    ("  relations (SQLite: tags)", "engine", "relations", "sql", "relations"),
    ("  engine-internal time of the 3 queries", "internal", "total", None, None),
    ("    count", "internal", "count", None, None),
    ("    page", "internal", "page", None, None),
    ("    relations", "internal", "relations", None, None),
    ("HTML list view, end to end", "ours_html", "total", "fab_html", "total"),
    ("  of which reading the data", "ours_html", "data", "fab_html", "data"),
    ("  of which FAB permission checks", "ours_html", "access", "fab_html", "access"),
    ("    (how many checks)", "ours_html", "access_calls", "fab_html", "access_calls"),
    ("  of which the rest (FAB view, rendering)", "ours_html", "app", "fab_html", "app"),
    ("REST API list, end to end", "ours_rest", "total", "fab_rest", "total"),
    ("  of which reading the data", "ours_rest", "data", "fab_rest", "data"),
    ("  of which FAB permission checks", "ours_rest", "access", "fab_rest", "access"),
    ("  of which the rest (FAB, serializing)", "ours_rest", "app", "fab_rest", "app"),
)


E2E = (("HTML", "ours_html", "fab_html"), ("REST", "ours_rest", "fab_rest"))


def report(
    size: int,
    sel: Selection,
    results: Results,
    repeat: int,
    notes: list[str],
    engines: list[tuple[str, str]],
) -> str:
    """One table per case: a median and p95 column pair per engine (``engines``: column name
    and probe prefix) and SQLite's, then each engine's ratio to SQLite (and Neo4j's to
    FalkorDB when both ran)."""
    names = [name for name, _ in engines]
    lines = [
        "",
        f"=== {size:,} customers: GraphCRM on {' and '.join(names)} vs stock FAB on SQLite ===",
        f"filter stage={STAGE}, owner={sel.owner_uid} ({sel.owner_name}, the owner with the "
        f"most '{STAGE}' customers): {sel.total:,} rows, {sel.pages} pages of {PAGE_SIZE}, "
        "sorted by name",
        f"milliseconds, median and p95 of {repeat} interleaved runs after warm-up",
        *notes,
    ]
    columns = [*names, "SQLite"]
    header = f"{'':44}" + "".join(f" {name + ' med':>12} {'p95':>8}" for name in columns)
    header += "".join(f" {name[0] + '/SQL':>7}" for name in names)
    header += f" {'N/F':>7}" if len(names) == 2 else ""
    for case in sel.cases:
        lines += ["", f"{case.label} (first row {case.first_uid})", header]
        for label, ours, ours_part, theirs, theirs_part in ROWS:
            mine = [results.get(case.label, prefix + ours, ours_part) for _, prefix in engines]
            if not any(mine):
                continue
            base = results.get(case.label, theirs, theirs_part) if theirs else None
            line = f"{label:44}"
            for values in [*mine, base]:
                line += f" {fmt(median(values) if values else None):>12}"
                line += f" {fmt(p95(values) if values else None):>8}"
            line += "".join(f" {ratio_text(values, base):>7}" for values in mine)
            line += f" {ratio_text(mine[1], mine[0]):>7}" if len(mine) == 2 else ""
            lines.append(line.rstrip())
    lines += [
        "",
        f"targets (they apply at {TARGET_SIZE:,} customers on embedded FalkorDB): median end "
        f"to end <= {TARGET_MEDIAN_MS:.0f} ms and <= {TARGET_RATIO}x stock FAB on SQLite",
    ]
    for case in sel.cases:
        for label, ours, theirs in E2E:
            mine, base = results.get(case.label, ours), results.get(case.label, theirs)
            if mine is None or base is None:
                lines.append(f"  {case.label:20} {label}: not measured")
                continue
            med, ratio = median(mine), median(mine) / median(base)
            verdict = "met" if med <= TARGET_MEDIAN_MS and ratio <= TARGET_RATIO else "MISSED"
            scope = "" if size >= TARGET_SIZE else " (informative below 1M)"
            lines.append(
                f"  {case.label:20} {label}: {med:7.2f} ms, {ratio:.2f}x SQLite -> {verdict}{scope}"
            )
    return "\n".join(lines)
