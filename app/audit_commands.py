"""``graphcrm audit``: check the audit log's hash chain; write pending events.

``verify`` reads the security database directly, so it works without the graph and without
starting the application; an auditor can run it against a copy of the database too.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import SQLAlchemyError

import config
from app.audit import TABLE, check_chain
from graph.errors import GraphCRMError
from views.scope import current_flask_app, security_engine, store_of

audit = AppGroup(
    "audit",
    help="The audit log: append-only, hash-chained events in the security database.",
)


@audit.command("verify", with_appcontext=False)
def verify() -> None:
    """Check every event's hash and its link to the event before; exit 1 naming the first
    broken event. Reads the security database only (the graph need not be running)."""
    engine = create_engine(config.security_db_uri(config.load()))
    try:
        if not inspect(engine).has_table(TABLE):
            raise click.ClickException("no audit log in the security database: run graphcrm init")
        report = check_chain(engine)
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot read the audit log: {exc}") from exc
    finally:
        engine.dispose()
    if report.broken_id is not None:
        raise click.ClickException(
            f"chain broken at event {report.broken_id}: {report.reason} "
            f"({report.events - 1} events before it are intact)"
        )
    click.echo(f"chain intact: {report.events} events (latest hash {report.head[:16]})")


@audit.command("drain")
def drain() -> None:
    """Write the audit events of graph record changes still waiting for them (changes made
    while the security database was locked or down), oldest first."""
    from app import audit_outbox

    app = current_flask_app()
    try:
        report = audit_outbox.drain(security_engine(app), store_of(app), attempts=8)
    except GraphCRMError as exc:
        raise click.ClickException(f"the graph cannot be read: {exc}") from exc
    if report.failed:
        raise click.ClickException(
            f"{report.audited} events written; the audit log failed, the rest still waits"
        )
    click.echo(f"{report.audited} pending audit events written")
