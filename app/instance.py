"""The instance folder: local state (secret key, security database, embedded graph data)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from config import is_production
from graph.errors import ConfigError

SECRET_KEY_FILE = "secret_key"


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
    if is_production(app.config):
        app.config.setdefault("SESSION_COOKIE_SECURE", True)


def _local_secret(path: Path) -> str:
    """Read the generated local secret, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    # O_EXCL: when two workers race, one creates the file and the other reads it.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key
