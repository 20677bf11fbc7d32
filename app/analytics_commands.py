"""``graphcrm analytics refresh``: recompute the referral analytics of every customer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from flask.cli import AppGroup

from app.jobs import queue
from graph.analytics.refresh import clear, refresh
from graph.jobs.catalog import ANALYTICS_REFRESH
from views.scope import current_flask_app, current_store

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

analytics = AppGroup("analytics", help="Referral analytics written onto customers and channels.")

PHASES = {
    "referrals": "Reading referrals",
    "revenue": "Reading revenue",
    "compute": "Computing",
    "write": "Writing",
}


@analytics.command("refresh")
@click.option(
    "--batch-size",
    default=5_000,
    show_default=True,
    type=click.IntRange(100, 50_000),
    help="Customers written per statement.",
)
@click.option(
    "--queue", "queued", is_flag=True,
    help="Queue it as a background job (run by 'graphcrm worker'; Setup → Jobs shows it) "
    "instead of running it here.",
)  # fmt: skip
def refresh_command(batch_size: int, queued: bool) -> None:
    """Compute descendants, depth, influence, community and referral network revenue of
    every customer (networkx) and write the values that changed as properties; prints the
    time taken and the peak memory."""
    if queued:
        job, created = queue(current_flask_app()).start(
            ANALYTICS_REFRESH, started_by="cli", params={"batch_size": batch_size}
        )
        state = "queued" if created else f"already {job.state}"
        click.echo(f"analytics refresh job {job.id}: {state}")
        return
    store = current_store()
    bars: dict[str, ProgressBar[int]] = {}
    done: dict[str, int] = {}

    def progress(phase: str, count: int, total: int) -> None:
        bar = bars.get(phase)
        if bar is None:
            for other in bars.values():
                other.render_finish()
            bar = bars[phase] = click.progressbar(length=max(total, 1), label=PHASES[phase])
            done[phase] = 0
        bar.length = max(total, count, 1)
        bar.update(count - done[phase])
        done[phase] = count

    report = refresh(store, progress, write_batch=batch_size)
    for bar in bars.values():
        bar.render_finish()
    for line in report.lines():
        click.echo(line)


@analytics.command("clear")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def clear_command(yes: bool) -> None:
    """Remove the referral analytics from every customer (lists, segments and top referrers
    show none until the next refresh)."""
    if not yes:
        click.confirm("Remove the referral analytics from every customer?", abort=True)
    cleared = clear(current_store())
    click.echo(
        f"cleared the referral analytics of {cleared} customers; "
        "'graphcrm analytics refresh' computes them again"
    )
