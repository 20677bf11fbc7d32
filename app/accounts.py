"""The first administrator account, created by ``graphcrm init`` and ``graphcrm demo``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from app.password_policy import MESSAGE_EN, generate_password, is_acceptable
from graph.errors import ConfigError


@dataclass(frozen=True)
class AdminResult:
    """What ``ensure_admin`` did; ``password`` is set only when it generated one."""

    username: str
    created: bool
    password: str | None = None


def ensure_admin(
    app: Flask, username: str = "admin", password: str | None = None, email: str | None = None
) -> AdminResult:
    """Create the admin user unless an account of that name already exists.

    A given ``password`` must meet the password policy; without one, a policy-conforming
    password is generated and returned once.
    """
    sm = app.appbuilder.sm
    with app.app_context():
        if sm.find_user(username=username):
            return AdminResult(username=username, created=False)
        if password and not is_acceptable(password):
            raise ConfigError(f"the admin password is too weak: {MESSAGE_EN}")
        role = sm.find_role(app.config["AUTH_ROLE_ADMIN"])
        generated = None
        if not password:
            generated = password = generate_password()
        user = sm.add_user(
            username=username,
            first_name="GraphCRM",
            last_name="Admin",
            email=email or f"{username}@graphcrm.local",
            role=role,
            password=password,
        )
        if not user:
            raise ConfigError(
                f"could not create the admin user {username!r} "
                "(is the e-mail address already used by another account?)"
            )
    return AdminResult(username=username, created=True, password=generated)


# Demo staff roles by the seeded node's job (graph.dataset): managers and reps sell.
DEMO_ROLES = {"sales": "Sales", "service": "Service"}


def ensure_demo_staff(app: Flask) -> tuple[list[tuple[str, str]], str | None]:
    """Give every seeded staff member without an account a login with their role.

    All demo staff share one generated password, returned once (None when nobody was added).
    Their accounts take over the seeded User nodes, so a salesperson sees their customers.
    """
    sm = app.appbuilder.sm
    store = app.extensions["graph_store"]
    password = generate_password()
    created: list[tuple[str, str]] = []
    with app.app_context():
        for row in store.read("user_list_unlinked"):
            role_name = DEMO_ROLES.get(row["role"] or "", "Sales")
            if sm.find_user(username=row["username"]):
                continue
            user = sm.add_user(
                username=row["username"],
                first_name=row["display_name"] or row["username"],
                last_name="",
                email=f"{row['username']}@demo.graphcrm.local",
                role=sm.find_role(role_name),
                password=password,
            )
            if user:
                created.append((row["username"], role_name))
    return created, password if created else None
