"""The commands that run things: train the dialogue model, serve Rasa and the action server, the demo, the
terminal chat, and PostgreSQL and Redis on one host."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from tutor import Settings, Tutor

from .main import app, console, load_or_exit
from .rasa_servers import ServerError, ServerGroup, Stopped, stop_on_signals
from .rasa_servers import train as train_model
from .terminal import RestClient, chat_loop, default_sender


@app.command()
def train(force: bool = typer.Option(False, help="Retrain even if nothing changed.")) -> None:
    """Train the Rasa dialogue model (skipped when domain, data and config are unchanged)."""
    settings = load_or_exit()
    try:
        model = train_model(settings, force=force)
    except ServerError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)
    console.print(f"Dialogue model: {model}")


def servers_of(settings: Settings) -> ServerGroup:
    return ServerGroup(settings, log_dir=settings.path(Path("var/logs")))


@app.command()
def serve(
    workers: Optional[int] = typer.Option(
        None, min=1, max=64, help="Processes for each of Rasa and the action server (default servers.workers); "
        "above 1 needs a Redis lock store, e.g. --endpoints deploy/endpoints.yml."),
    endpoints: Optional[Path] = typer.Option(None, help="Rasa endpoints file (default servers.endpoints)."),
) -> None:
    """Start Rasa and the action server; wait until both answer; stop both on Ctrl-C, SIGTERM or SIGHUP."""
    settings = load_or_exit()
    if workers is not None:
        settings.servers.workers = workers
    if endpoints is not None:
        settings.servers.endpoints = endpoints.resolve()
    group = servers_of(settings)
    stop_on_signals()
    sender = None
    try:
        group.start()
        sender = Tutor(settings).learning_records.start_sender()  # learning records to the LRS, when one is set
        console.print(f"Ready: REST channel at {group.rasa_url}/webhooks/rest/webhook, "
                      f"{settings.servers.workers} worker(s) each (Ctrl-C to stop)")
        while all(p.poll() is None for p in group.processes.values()):
            time.sleep(1)
        console.print("[red]A server stopped; see var/logs/.[/red]")
        raise typer.Exit(1)
    except ServerError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)
    except (KeyboardInterrupt, Stopped):
        pass
    finally:
        if sender is not None:
            sender.stop()
        group.stop()


@app.command()
def chat(
    url: Optional[str] = typer.Option(None, help="Rasa server URL (default from settings)."),
    sender: Optional[str] = typer.Option(None, help="Conversation id (default: a new one)."),
) -> None:
    """Chat in the terminal with a running tutor (`tutor serve`) through Rasa's REST channel."""
    settings = load_or_exit()
    chat_loop(RestClient(url or settings.rasa_url, sender or default_sender()), input, typer.echo)


def ingest_apart(path: Path) -> None:
    """`tutor ingest path` in a process of its own: the models ingest loads (about 800 MB RSS on the sample courses)
    leave with that process instead of staying in the one that chats for the rest of the demo."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "cli", "ingest", str(path)])
    if result.returncode != 0:
        raise typer.Exit(result.returncode)


@app.command()
def demo() -> None:
    """Ingest the sample courses, train Rasa if stale, start both servers and chat in the terminal."""
    settings = load_or_exit()
    ingest_apart(settings.path(settings.paths.courses))
    group = servers_of(settings)
    stop_on_signals()
    try:
        train_model(settings)
        console.print("Starting the tutor (about a minute)…")
        group.start()
        chat_loop(RestClient(group.rasa_url, default_sender()), input, typer.echo)
    except ServerError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)
    except Stopped:
        pass
    finally:
        group.stop()


services_app = typer.Typer(help="PostgreSQL, Redis and (when lrs.endpoint is on this host) the LRS on loopback for `tutor serve --workers N` on one host.")
app.add_typer(services_app, name="services")


def local_databases(settings: Settings, pg_port: int, redis_port: int):
    from .databases import LocalPostgres, LocalRedis

    base = settings.path(Path("var/services"))
    return LocalPostgres(base / "postgres" / "data", port=pg_port), LocalRedis(base / "redis", port=redis_port)


def local_lrs(settings: Settings):
    """Ralph on this host when lrs.endpoint points at loopback (127.0.0.1 or localhost), else None (no LRS, or the
    company's own elsewhere). Its password is lrs.password_env's value, else one made once and kept in var/services."""
    import os
    import secrets
    from urllib.parse import urlsplit

    from .lrs_server import LocalRalph

    lrs = settings.lrs
    where = urlsplit(lrs.endpoint)
    if not lrs.endpoint or where.hostname not in ("127.0.0.1", "localhost"):
        return None
    base = settings.path(Path("var/services")) / "ralph"
    kept = base / "password"
    password = os.environ.get(lrs.password_env, "")
    if not password:
        if not kept.exists():
            base.mkdir(parents=True, exist_ok=True)
            kept.write_text(secrets.token_urlsafe(24))
            kept.chmod(0o600)
        password = kept.read_text().strip()
    return LocalRalph(base, port=where.port or 80, host=where.hostname, username=lrs.username, password=password)


@services_app.command("start")
def services_start(
    pg_port: int = typer.Option(5432, help="PostgreSQL port on 127.0.0.1."),
    redis_port: int = typer.Option(6379, help="Redis port on 127.0.0.1."),
) -> None:
    """Start PostgreSQL and Redis (data in var/services/) and print the variables deploy/endpoints.yml reads; and
    Ralph, the LRS, when lrs.endpoint is on this host (its password is printed as lrs.password_env)."""
    from .databases import ServiceError

    settings = load_or_exit()
    postgres, redis = local_databases(settings, pg_port, redis_port)
    lrs = local_lrs(settings)
    try:
        postgres.start()
        redis.start()
        if lrs is not None:
            lrs.start()
    except ServiceError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)
    for key, value in {**postgres.env(), **redis.env()}.items():
        print(f"export {key}={value!s}")
    if lrs is not None:
        print(f"export {settings.lrs.password_env}={lrs.password}")
        console.print(f"LRS (Ralph) on {lrs.endpoint}, statements in {lrs.statements_file}")
    console.print("Then: tutor serve --workers 2 --endpoints deploy/endpoints.yml   (stop with `tutor services stop`)")


@services_app.command("stop")
def services_stop(
    pg_port: int = typer.Option(5432, help="PostgreSQL port on 127.0.0.1."),
    redis_port: int = typer.Option(6379, help="Redis port on 127.0.0.1."),
) -> None:
    """Stop the PostgreSQL, Redis and LRS that `tutor services start` started."""
    settings = load_or_exit()
    postgres, redis = local_databases(settings, pg_port, redis_port)
    postgres.stop()
    redis.stop()
    lrs = local_lrs(settings)
    if lrs is not None:
        lrs.stop()
