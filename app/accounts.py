"""The first administrator account, created by ``graphcrm init`` and ``graphcrm demo``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from app.password_policy import generate_password, is_acceptable, message
from graph.errors import ConfigError
from views.scope import appbuilder_of, store_of


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
    sm = appbuilder_of(app).sm
    with app.app_context():
        if sm.find_user(username=username):
            return AdminResult(username=username, created=False)
        if password and not is_acceptable(password):
            raise ConfigError(f"the admin password is too weak: {message()}")
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


# Demo staff roles by the seeded node's job (graph.demo.dataset): managers and reps sell.
DEMO_ROLES = {"sales": "Sales", "service": "Service"}
# Demo accounts for the roles no seeded staff member has: username, name, role, what they do.
DEMO_OFFICE = (
    ("demo.finance", "Demo Finance", "Finance", "orders of every customer; reads the rest"),
    (
        "demo.marketing",
        "Demo Marketing",
        "Marketing",
        "channels, tags, segments; personal data masked",
    ),
    (
        "demo.analyst",
        "Demo Analyst",
        "Analyst",
        "reads everything, Cypher console; personal data masked",
    ),
    ("demo.auditor", "Demo Auditor", "Auditor", "the audit log only"),
)


@dataclass(frozen=True)
class DemoLogin:
    """One demo account to show a newcomer: whom to be and what they will see."""

    role: str
    username: str
    name: str
    team: str


def ensure_demo_staff(app: Flask) -> tuple[list[tuple[str, str]], str | None]:
    """Give every seeded staff member without an account a login with their role, and add
    one account for each role no seeded staff member has (``DEMO_OFFICE``).

    All demo staff share one generated password, returned once (None when nobody was added).
    Their accounts take over the seeded User nodes, so a salesperson sees their customers.
    """
    sm = appbuilder_of(app).sm
    store = store_of(app)
    password = generate_password()
    wanted = [
        (
            row["username"],
            row["display_name"] or row["username"],
            DEMO_ROLES.get(row["role"] or "", "Sales"),
        )
        for row in store.read("user_list_unlinked")
    ]
    wanted += [(username, name, role) for username, name, role, _ in DEMO_OFFICE]
    created: list[tuple[str, str]] = []
    with app.app_context():
        for username, name, role_name in wanted:
            if sm.find_user(username=username):
                continue
            user = sm.add_user(
                username=username,
                first_name=name,
                last_name="",
                email=f"{username}@demo.graphcrm.local",
                role=sm.find_role(role_name),
                password=password,
            )
            if user:
                created.append((username, role_name))
    return created, password if created else None


def demo_logins(app: Flask) -> list[DemoLogin]:
    """Whom a newcomer can be in the demo: a salesperson, their manager, a service agent,
    and the finance, marketing, analyst and auditor accounts (those that exist)."""
    sm = appbuilder_of(app).sm
    rows = store_of(app).read("user_list_staff_teams")
    by_name = {row["username"]: row for row in rows}
    # A rep: reports to a manager, nobody reports to them; the first one that has a login.
    with app.app_context():
        exists = {row["username"] for row in rows if sm.find_user(username=row["username"])}
        office = [o for o in DEMO_OFFICE if sm.find_user(username=o[0])]
    reps = [
        r for r in rows
        if r["role"] == "sales" and r["manager"] in by_name and not r["reports"]
        and r["username"] in exists and r["manager"] in exists
    ]  # fmt: skip
    service = [r for r in rows if r["role"] == "service" and r["username"] in exists]
    logins = []
    if reps:
        rep, boss = reps[0], by_name[reps[0]["manager"]]
        logins.append(
            DemoLogin(
                "Sales",
                rep["username"],
                rep["display_name"],
                f"reports to {boss['display_name']} ({boss['username']}); sees own customers",
            )
        )
        logins.append(
            DemoLogin(
                "Sales",
                boss["username"],
                boss["display_name"],
                f"manager of {boss['reports']} salespeople; sees their customers too",
            )
        )
    if service:
        agent = min(service, key=lambda r: (r["reports"] > 0, r["username"]))
        lead = f"reports to {agent['manager_name']}; " if agent["manager_name"] else ""
        logins.append(
            DemoLogin(
                "Service",
                agent["username"],
                agent["display_name"],
                f"{lead}reads customers and orders, handles follow-ups and tickets",
            )
        )
    logins += [DemoLogin(role, username, name, does) for username, name, role, does in office]
    return logins
