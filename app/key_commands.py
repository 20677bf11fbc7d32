"""``graphcrm keys``: generate a field encryption key, and rotate personal data to a new one.

Two ways to rotate, both resumable (run the same command again after an interruption):

- Servers first (no downtime): deploy the new key as ``FIELD_ENCRYPTION_KEY`` with the old
  one in ``FIELD_ENCRYPTION_OLD_KEYS``, then run ``graphcrm keys rotate``.
- Data first: ``graphcrm keys rotate --new-key KEY`` (or ``--generate``), then set
  ``FIELD_ENCRYPTION_KEY`` to it. Servers still on the old key cannot read what is already
  re-encrypted until then, unless the new key is in their ``FIELD_ENCRYPTION_OLD_KEYS``.

With a key generated into the instance folder (local use) the new key waits in
``field_key.next`` (which the app also reads) and replaces ``field_key`` when done.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import AppGroup

from app.instance import NEXT_FIELD_KEY_FILE
from app.jobs import queue
from graph.jobs.catalog import KEY_ROTATION
from graph.security.crypto import FieldCipher, generate_key, parse_key
from graph.security.key_rotation import rotate
from views.scope import cipher_of, current_flask_app, store_of

keys = AppGroup("keys", help="Field encryption keys of personal data (FIELD_ENCRYPTION_KEY).")


@keys.command("generate", with_appcontext=False)
def generate() -> None:
    """Print a fresh key for FIELD_ENCRYPTION_KEY (32 random bytes, URL-safe base64)."""
    click.echo(generate_key())


@keys.command("rotate")
@click.option("--new-key", default=None, help="The key to re-encrypt under (URL-safe base64).")
@click.option("--generate", "generated", is_flag=True, help="Generate the new key (printed).")
@click.option(
    "--batch-size",
    default=1000,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Values re-encrypted per write.",
)
@click.option(
    "--queue", "queued", is_flag=True,
    help="Servers first only: queue the rotation as a background job (run by 'graphcrm "
    "worker', whose FIELD_ENCRYPTION_KEY it rotates to; Setup → Jobs shows its progress).",
)  # fmt: skip
def rotate_command(new_key: str | None, generated: bool, batch_size: int, queued: bool) -> None:
    """Re-encrypt every personal-data value, blind index and history entry under a new key
    (default: under FIELD_ENCRYPTION_KEY, reading FIELD_ENCRYPTION_OLD_KEYS). Resumable."""
    app = current_flask_app()
    if new_key and generated:
        raise click.UsageError("give --new-key or --generate, not both")
    key_file = app.config.get("FIELD_ENCRYPTION_KEY_FILE")
    pending = Path(key_file).with_name(NEXT_FIELD_KEY_FILE) if key_file else None
    if queued:
        if new_key or generated or (pending is not None and pending.exists()):
            raise click.UsageError(
                "--queue rotates to the workers' FIELD_ENCRYPTION_KEY (servers first): deploy "
                "the new key first, without --new-key or --generate"
            )
        job, created = queue(app).start(
            KEY_ROTATION, started_by="cli", params={"batch_size": batch_size}
        )
        click.echo(f"key rotation job {job.id}: {'queued' if created else 'already ' + job.state}")
        return
    if pending is not None and pending.exists() and (new_key or generated):
        if new_key is None or new_key.strip() != pending.read_text().strip():
            raise click.UsageError(
                f"a rotation to the key in {pending} is under way: finish it first by running "
                "'graphcrm keys rotate' without --new-key or --generate"
            )
    if generated:
        new_key = generate_key()
        click.echo(f"New key (keep it: it is FIELD_ENCRYPTION_KEY from now on): {new_key}")
    elif new_key is None and pending is not None and pending.exists():
        new_key = pending.read_text().strip()
        click.echo(f"Resuming the rotation to the key in {pending}.")
    current: FieldCipher = cipher_of(app)
    target = current.rotated_to(parse_key(new_key, "--new-key")) if new_key else current
    if pending is not None and new_key:
        _write_key(pending, new_key)  # before any value is under it: never lost
    click.echo(f"Re-encrypting personal data under key {target.key_id}.")

    def progress(what: str, done: int, total: int) -> None:
        click.echo(f"  {what}: {done} of {total} re-encrypted")

    report = rotate(store_of(app), target, batch_size=batch_size, progress=progress)
    total = sum(report.resealed.values())
    if report.remaining:
        raise click.ClickException(
            f"{total} values re-encrypted; {report.remaining} changed meanwhile and still "
            "need it: run the same command again"
        )
    click.echo(f"Done: {total} values re-encrypted; everything is under key {target.key_id}.")
    if pending is not None and key_file and new_key:
        os.replace(pending, key_file)
        click.echo(f"The instance key file {key_file} now holds the new key.")
    elif new_key:
        click.echo(
            "Now set FIELD_ENCRYPTION_KEY to the new key on every server (keep the old key in "
            "FIELD_ENCRYPTION_OLD_KEYS until all of them run with the new one)."
        )


def _write_key(path: Path, key: str) -> None:
    """Write ``key`` to ``path`` readable by this user only (mode 0600)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
