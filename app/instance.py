"""The instance folder: local state (secret key, field encryption key, security database,
embedded graph data)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from config import is_production
from graph.errors import ConfigError
from graph.security.crypto import generate_key

SECRET_KEY_FILE = "secret_key"
FIELD_KEY_FILE = "field_key"
# The target key of a local 'graphcrm keys rotate' until it completes (then it replaces
# FIELD_KEY_FILE); while it exists the app reads values under it too.
NEXT_FIELD_KEY_FILE = "field_key.next"


def prepare(app: Flask) -> None:
    """Create the instance folder and settle the settings that derive from it."""
    folder = Path(app.config["GRAPHCRM_INSTANCE_PATH"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"GRAPHCRM_INSTANCE_PATH={folder} is not writable ({exc.strerror}); "
            "point it at a folder this user can write"
        ) from exc
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{folder / 'security.db'}"
    if not app.config.get("SECRET_KEY"):
        if is_production(app.config):
            raise ConfigError("SECRET_KEY must be set when GRAPHCRM_ENV=production")
        app.config["SECRET_KEY"] = _local_secret(folder / SECRET_KEY_FILE)
    if not app.config.get("FIELD_ENCRYPTION_KEY"):
        _local_field_key(app, folder)
    if is_production(app.config):
        app.config.setdefault("SESSION_COOKIE_SECURE", True)
    # FAB's download routes read this; nothing is uploaded, so it stays an empty name.
    app.config.setdefault("UPLOAD_FOLDER", str(folder / "uploads"))
    app.config["GRAPHCRM_PROXY_COUNT"] = _proxy_count(app.config.get("GRAPHCRM_PROXY_COUNT"))


def _proxy_count(value: object) -> int:
    """``GRAPHCRM_PROXY_COUNT`` as a whole number of trusted proxy hops."""
    try:
        count = int(str(value or 0))
    except (TypeError, ValueError):
        count = -1
    if count < 0:
        raise ConfigError(f"GRAPHCRM_PROXY_COUNT must be a whole number >= 0, not {value!r}")
    return count


def _local_field_key(app: Flask, folder: Path) -> None:
    """Use (or create) the instance folder's field encryption key; never in production."""
    if is_production(app.config):
        raise ConfigError(
            "FIELD_ENCRYPTION_KEY must be set when GRAPHCRM_ENV=production "
            "(generate one with 'graphcrm keys generate')"
        )
    app.config["FIELD_ENCRYPTION_KEY"] = _local_secret(folder / FIELD_KEY_FILE, generate_key)
    app.config["FIELD_ENCRYPTION_KEY_FILE"] = str(folder / FIELD_KEY_FILE)
    pending = folder / NEXT_FIELD_KEY_FILE
    if pending.exists():  # an interrupted local rotation: some values are under that key
        old = app.config.get("FIELD_ENCRYPTION_OLD_KEYS") or ""
        app.config["FIELD_ENCRYPTION_OLD_KEYS"] = f"{old},{pending.read_text().strip()}"


def _local_secret(path: Path, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)) -> str:
    """Read the generated local secret, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text().strip()
    key = make()
    # O_EXCL: when two workers race, one creates the file and the other reads it.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key
