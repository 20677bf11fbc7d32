"""``graphcrm accounts``: account chores for administrators."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app import login_throttle

accounts = AppGroup("accounts", help="Login accounts.")


@accounts.command("unlock")
@click.argument("username")
def unlock(username: str) -> None:
    """Clear the failed sign-in counters of USERNAME (from every address); audited."""
    login_throttle.unlock(username, "cli")
    click.echo(f"Sign-in attempts of {username!r} are no longer slowed down.")
