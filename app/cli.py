"""The ``graphcrm`` command line: serve, worker, demo, init, check, audit, keys and import.
All non-interactive."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup

import config
from app.account_commands import accounts
from app.analytics_commands import analytics
from app.audit import record as record_audit_event
from app.audit_commands import audit
from app.graph_store import embedded_server
from app.graph_store import prepare as prepare_graph
from app.import_commands import imports
from app.jobs import queue as job_queue
from app.key_commands import keys
from graph.errors import GraphCRMError
from graph.jobs.catalog import ANALYTICS_REFRESH
from graph.records.schema import schema_report
from graph.records.status import graph_status
from graph.store.backends import open_store
from graph.store.embedded import EmbeddedServer, EngineEvent, Supervisor
from graph.store.protocol import parse_graph_url, with_login
from views.console.gate import embedded_threads
from views.scope import cipher_of, current_flask_app, store_of

if TYPE_CHECKING:
    from app.accounts import AdminResult, DemoLogin

# A click command function, before and after its options are added.
Command = TypeVar("Command", bound=Callable[..., Any])

commands = AppGroup("graphcrm", help="GraphCRM commands (also available as 'graphcrm ...').")
commands.add_command(audit)
commands.add_command(keys)
commands.add_command(analytics)
commands.add_command(accounts)
commands.add_command(imports)


def init_app(app: Flask) -> None:
    """Make the commands reachable as ``flask --app wsgi graphcrm ...`` too."""
    app.cli.add_command(commands)


def _port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(
                f"cannot listen on {host}:{port} ({exc.strerror}): pass --port or stop the "
                "program using it"
            ) from exc


def _serve(app: Flask, host: str, port: int, workers: int, threads: int) -> int:
    """Run gunicorn workers for ``wsgi:app``; this process keeps the embedded graph alive."""
    console = app.config["GRAPHCRM_CONSOLE_MAX_RUNNING"]
    if console >= workers * threads:
        raise click.ClickException(
            f"GRAPHCRM_CONSOLE_MAX_RUNNING={console} would let the console take every one of "
            f"the {workers * threads} request threads (--workers x --threads): lower it or "
            "serve with more threads"
        )
    _port_free(host, port)
    env = dict(os.environ)
    env["GRAPHCRM_INSTANCE_PATH"] = app.config["GRAPHCRM_INSTANCE_PATH"]
    # Workers attach to the graph this process started and skip start-up work done here.
    env["GRAPHCRM_SERVE_WORKER"] = "1"
    command = [
        sys.executable, "-m", "gunicorn",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--bind", f"{host}:{port}",
        "--timeout", "60",
        # No access log: the app writes one line per request itself (app.request_log).
        "--no-control-socket",
        "wsgi:app",
    ]  # fmt: skip
    child = subprocess.Popen(command, env=env)
    # One job worker beside the web workers (more: 'graphcrm worker' elsewhere).
    worker = subprocess.Popen([*WORKER_COMMAND, "worker"], env=env)

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    supervisor = _supervise(app)
    click.echo(f"GraphCRM is serving on http://{host}:{port}/ (Ctrl+C stops it)")
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.send_signal(signal.SIGINT)
        return child.wait()
    finally:
        _stop_worker(worker)
        if supervisor is not None:
            supervisor.stop()  # before the server is stopped at exit, or it would restart it


# The job worker 'graphcrm serve' starts: this Python running the same CLI.
WORKER_COMMAND = [sys.executable, "-c", "from app.cli import main; main()"]
WORKER_STOP_SECONDS = 15


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """Stop the job worker: SIGTERM fails its running job (retry it later), then wait."""
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _supervise(app: Flask) -> Supervisor | None:
    """Watch the embedded server (if any) and restart it when it dies, as an audited event."""
    server = embedded_server(app)
    if server is None:
        return None

    def record(event: EngineEvent) -> None:
        with app.app_context():
            record_audit_event(
                f"graph_engine_{event.kind}",
                target="graph",
                detail={"attempt": event.attempt, "error": event.detail[:300]},
                username="system",
            )

    supervisor = Supervisor(server, on_event=record)
    supervisor.start()
    return supervisor


serve_options = [
    click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on."),
    click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on."),
    click.option(
        "--workers", default=2, show_default=True, type=click.IntRange(1, 64),
        help="Number of gunicorn worker processes.",
    ),
    click.option(
        "--threads", default=4, show_default=True, type=click.IntRange(1, 64),
        help="Request threads per worker (the console may use fewer than workers x threads, "
        "GRAPHCRM_CONSOLE_MAX_RUNNING).",
    ),
]  # fmt: skip


def with_serve_options(func: Command) -> Command:
    for option in reversed(serve_options):
        func = option(func)
    return func


@commands.command("serve")
@with_serve_options
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Start the embedded graph (when GRAPH_URL=embedded:), serve the app with gunicorn and
    run one background job worker beside it (stopped on exit)."""
    app = current_flask_app()
    # Here, not in each web worker: they only attach (GRAPHCRM_SERVE_WORKER).
    prepare_graph(app)
    sys.exit(_serve(app, host, port, workers, threads))


@commands.command("worker")
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Jobs this worker runs at once.",
)
@click.option(
    "--no-schedule", is_flag=True,
    help="Do not start the periodic jobs (graph/jobs/schedule.py) from this worker.",
)  # fmt: skip
def worker_command(threads: int, no_schedule: bool) -> None:
    """Run background jobs (analytics refresh, key rotation) from the queue named by
    GRAPHCRM_JOBS_URL until stopped: Ctrl+C waits for running jobs, SIGTERM fails them
    (retry them later). 'graphcrm serve' starts one; start more for scale-out."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = current_flask_app()
    click.echo(
        f"GraphCRM job worker: {threads} thread(s), schedule {'off' if no_schedule else 'on'}"
    )
    job_queue(app).serve_worker(threads, periodic=not no_schedule)


def _print_admin(result: AdminResult) -> None:
    if result.password:
        click.secho("Admin account created. Log in with:", fg="green", bold=True)
        click.echo(f"    user:     {result.username}")
        click.echo(f"    password: {result.password}")
        click.echo("    (shown only this once: note it, or set another with --admin-password)")
    elif result.created:
        click.echo(f"Admin account {result.username!r} created with the given password.")
    else:
        click.echo(
            f"Admin account {result.username!r} exists (its password was printed when it was "
            "created; reset it with 'flask --app wsgi fab reset-password')."
        )


admin_options = [
    click.option("--admin-user", default="admin", show_default=True, help="Admin login name."),
    click.option(
        "--admin-password", default=None, envvar="GRAPHCRM_ADMIN_PASSWORD",
        help="Admin password (default: generated and printed once). "
        "Env: GRAPHCRM_ADMIN_PASSWORD.",
    ),
    click.option("--admin-email", default=None, help="Admin e-mail address."),
]  # fmt: skip


def with_admin_options(func: Command) -> Command:
    for option in reversed(admin_options):
        func = option(func)
    return func


def _init(
    app: Flask, admin_user: str, admin_password: str | None, admin_email: str | None
) -> AdminResult:
    from app.accounts import ensure_admin
    from app.security_changes import sync_graph_users
    from graph.records.search_keys import backfill as backfill_search_keys

    # Starts the embedded engine if this process runs it, then applies the schema.
    schema = prepare_graph(app)
    click.echo(f"graph schema: {len(schema)} constraints and indexes in place")
    keyed = backfill_search_keys(store_of(app), cipher_of(app))
    if any(keyed.values()):
        done = ", ".join(f"{count} {label}" for label, count in keyed.items() if count)
        click.echo(f"global search: keys stored for {done} written before")
    result = ensure_admin(app, admin_user, admin_password, admin_email)
    report = sync_graph_users(app)
    click.echo(
        f"users: {report.mirrored} accounts mirrored into the graph "
        f"({report.changed} updated, {report.retired} deleted accounts marked inactive)"
    )
    return result


@commands.command("init")
@with_admin_options
def init(admin_user: str, admin_password: str | None, admin_email: str | None) -> None:
    """Apply the graph schema, create the security tables and roles, and an admin user;
    mirror every account into the graph as a User node; store the global-search keys of
    records written before they existed."""
    app = current_flask_app()
    _print_admin(_init(app, admin_user, admin_password, admin_email))


def _print_demo_logins(logins: list[DemoLogin], created: int, password: str | None) -> None:
    """Whom to be: one line per demo login with its role and team."""
    click.secho("Demo logins: who to be", fg="green", bold=True)
    width = max((len(login.username) for login in logins), default=8)
    for login in logins:
        click.echo(f"    {login.role:<10} {login.username:<{width}}  {login.name}: {login.team}")
    if password:
        click.echo(f"    password: {password}  (the same for all {created} demo staff accounts;")
        click.echo("    shown only this once, like the admin's)")
    else:
        click.echo(
            "    password: the one printed when these accounts were created (reset one with "
            "'flask --app wsgi fab reset-password')"
        )
    click.echo(
        "    Every other seeded salesperson and service agent has a login too (Setup → Users)."
    )


@commands.command("demo")
@with_serve_options
@with_admin_options
@click.option(
    "--customers", default=300, show_default=True, type=click.IntRange(1, 100_000),
    help="Number of demo customers to generate when the graph is empty.",
)  # fmt: skip
@click.option("--no-serve", is_flag=True, help="Only initialise and seed; do not serve.")
def demo(
    host: str, port: int, workers: int, threads: int, admin_user: str,
    admin_password: str | None,
    admin_email: str | None, customers: int, no_serve: bool,
) -> None:  # fmt: skip
    """Initialise, load demo data if the graph has no customers yet, create the demo staff
    logins and print whom to be (each login with its role and team), queue the first
    analytics refresh as a background job (run by the worker serving starts), then serve."""
    from graph.demo.seed import seed_demo

    app = current_flask_app()
    result = _init(app, admin_user, admin_password, admin_email)
    store = store_of(app)
    if seed_demo(store, cipher=cipher_of(app), customers=customers):
        click.echo(f"Demo data loaded: {customers} customers with their contacts and history.")
    else:
        click.echo("The graph already holds customers: demo data not loaded again.")
    from app.accounts import demo_logins, ensure_demo_staff

    staff, staff_password = ensure_demo_staff(app)
    if not store.read("customer_list_top_referrers", limit=1):
        # The analytics pages fill as soon as the worker 'serve' starts has run this.
        job, _ = job_queue(app).start(ANALYTICS_REFRESH, started_by=result.username)
        click.echo(f"Analytics refresh queued as job {job.id} (Setup → Jobs shows its progress).")
    _print_admin(result)
    _print_demo_logins(demo_logins(app), len(staff), staff_password)
    if not no_serve:
        sys.exit(_serve(app, host, port, workers, threads))


@commands.command("check", with_appcontext=False)
def check() -> None:
    """Report graph connectivity, schema and the security database; exit 1 on any failure."""
    settings = config.load()
    url = with_login(
        parse_graph_url(settings["GRAPH_URL"]),
        settings["NEO4J_USERNAME"],
        settings["NEO4J_PASSWORD"],
    )
    click.echo(f"GRAPH_URL: {url.redacted()} ({url.backend})")
    server = None
    if url.embedded:
        server = EmbeddedServer(
            Path(settings["GRAPHCRM_INSTANCE_PATH"]) / "graph",
            appendfsync=settings["GRAPHCRM_EMBEDDED_APPENDFSYNC"],
            threads=embedded_threads(settings["GRAPHCRM_CONSOLE_MAX_RUNNING"]),
        )
        started = server.ensure_running()
        click.echo(f"embedded server: {'started for this check' if started else 'running'}")
    failures = 0
    try:
        store = open_store(url, socket_path=server.socket_path if server else None)
        status = graph_status(store)
        if status.reachable:
            click.echo(f"graph: reachable, {status.total} nodes")
        else:
            click.echo(f"graph: UNAVAILABLE: {status.error}")
            failures += 1
        if status.reachable:
            report = schema_report(store)
            click.echo(f"schema: {len(report.present)} of {len(report.expected)} present")
            for item in report.missing:
                click.echo(f"schema: MISSING {item}")
            for item in report.building:
                click.echo(f"schema: still building {item} (queries on it are slow until done)")
            failures += bool(report.missing)
        store.close()
    finally:
        if server is not None:
            server.stop()
    failures += not _security_db_ok(settings)
    if failures:
        raise click.ClickException(f"{failures} check(s) failed")
    click.echo("all checks passed")


def _security_db_ok(settings: dict[str, Any]) -> bool:
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import SQLAlchemyError

    from app import mirror_outbox

    uri = config.security_db_uri(settings)
    try:
        engine = create_engine(uri)
        tables = inspect(engine).get_table_names()
        engine.dispose()
    except SQLAlchemyError as exc:
        click.echo(f"security database: UNAVAILABLE: {exc.__class__.__name__}: {exc}")
        return False
    if "ab_user" not in tables:
        click.echo("security database: no FAB tables yet (run 'graphcrm init')")
        return False
    click.echo("security database: ok")
    if mirror_outbox.TABLE in tables:
        engine = create_engine(uri)
        waiting = mirror_outbox.pending(engine)
        engine.dispose()
        for entry in waiting:
            click.echo(
                f"user mirror: account {entry.user_id} waits to be mirrored into the graph "
                f"since {entry.queued_at:%Y-%m-%d %H:%M:%S} UTC ({entry.attempts} failed "
                f"attempts; last error: {entry.last_error or 'none'})"
            )
    return True


class GraphCRMGroup(FlaskGroup):
    """``graphcrm``: lists only its own commands, so ``--help`` never starts the app."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(commands.commands)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return commands.get_command(ctx, name) or super().get_command(ctx, name)


def _create_app() -> Flask:
    from app import create_app

    return create_app()


cli = GraphCRMGroup(
    name="graphcrm",
    help="GraphCRM: customer records on a property graph. Settings come from the environment "
    "(GRAPH_URL, GRAPHCRM_INSTANCE_PATH, SECRET_KEY, SQLALCHEMY_DATABASE_URI); see README.",
    create_app=_create_app,
    add_default_commands=False,
    load_dotenv=False,
    set_debug_flag=False,
)


def main() -> None:
    """Entry point: expected failures print one line and exit 1, without a traceback."""
    # The Neo4j driver logs connection failures that our own error message already reports.
    logging.getLogger("neo4j").setLevel(logging.CRITICAL)
    try:
        cli.main(prog_name="graphcrm", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(1)
    except GraphCRMError as exc:
        click.echo(f"graphcrm: error: {exc}", err=True)
        sys.exit(1)
