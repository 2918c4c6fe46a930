"""`tutor`: the command line over the same functions the Rasa actions and channels call."""
from __future__ import annotations

import json
import logging
import runpy
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from retrieval import RetrievalError, SentenceEmbedder, build_answer_chain, ingest as run_ingest

from .chat import RestClient, chat_loop, default_sender
from .servers import PROJECT_ROOT, ServerError, ServerGroup, train as train_model
from .settings import Settings, SettingsError, describe, load_settings

app = typer.Typer(help="A conversational tutor for workplace learning.", no_args_is_help=True, add_completion=False)
console = Console(stderr=True)
log = logging.getLogger("tutor")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        console.print(f"[red]Settings error:[/red] {exc}")
        raise typer.Exit(2)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details.")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command()
def ingest(path: Path = typer.Argument(..., help="A course file or a folder of them (Markdown, PDF, HTML, DOCX, text).")) -> None:
    """Add or update course content in the search index. Unchanged files cost nothing."""
    settings = _settings()
    _ingest(settings, path)


def _ingest(settings: Settings, path: Path) -> None:
    if not path.exists():
        console.print(f"[red]{path} does not exist.[/red]")
        raise typer.Exit(2)
    report = run_ingest(path, settings.path(settings.paths.index_dir), SentenceEmbedder(settings.retrieval.embedding), settings.retrieval, progress=sys.stderr.isatty())
    for failed, reason in report.failed.items():
        console.print(f"[yellow]skipped[/yellow] {failed}: {reason}")
    if report.changed:
        console.print(
            f"Indexed: {len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
            f"{len(report.unchanged)} unchanged; {report.chunks_embedded} passages embedded, {report.total_chunks} in the index "
            f"({report.seconds:.1f}s)."
        )
    else:
        console.print(f"Nothing changed: {len(report.unchanged)} files already indexed ({report.total_chunks} passages).")
    _report_catalogue(settings)


def _report_catalogue(settings: Settings) -> None:
    """Prerequisite cycles and unknown prerequisites in the course front matter, said at ingest."""
    from recommender import Catalogue
    from retrieval import IndexNotFound, Retriever

    try:
        courses, _ = Retriever(settings.path(settings.paths.index_dir), SentenceEmbedder(settings.retrieval.embedding), settings.retrieval).corpus()
    except IndexNotFound:
        return
    for problem in Catalogue.from_metadata(courses).report.problems():
        console.print(f"[yellow]catalogue:[/yellow] {problem}")


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question, as a learner would type it."),
    mode: Optional[str] = typer.Option(None, help="extractive | generative | guarded (default from settings)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full answer record as JSON."),
) -> None:
    """Answer one question directly from the index, without Rasa (for debugging content)."""
    settings = _settings()
    if mode:
        settings.retrieval.answer.mode = mode
    chain = build_answer_chain(settings.path(settings.paths.index_dir), settings.path(settings.paths.cache_dir), settings.retrieval)
    try:
        answer = chain.answer(question, mode=mode)
    except RetrievalError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return
    from actions.render import answer_text

    typer.echo(answer_text(answer))


@app.command()
def train(force: bool = typer.Option(False, help="Retrain even if nothing changed.")) -> None:
    """Train the Rasa dialogue model (skipped when domain, data and config are unchanged)."""
    settings = _settings()
    try:
        model = train_model(settings, force=force)
    except ServerError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)
    console.print(f"Dialogue model: {model}")


def _servers(settings: Settings) -> ServerGroup:
    return ServerGroup(settings, log_dir=settings.path(Path("var/logs")))


@app.command()
def serve(
    workers: Optional[int] = typer.Option(
        None, min=1, max=64, help="Processes for each of Rasa and the action server (default servers.workers); "
        "above 1 needs a Redis lock store, e.g. --endpoints deploy/endpoints.yml."),
    endpoints: Optional[Path] = typer.Option(None, help="Rasa endpoints file (default servers.endpoints)."),
) -> None:
    """Start Rasa and the action server; wait until both answer; stop both on Ctrl-C."""
    settings = _settings()
    if workers is not None:
        settings.servers.workers = workers
    if endpoints is not None:
        settings.servers.endpoints = endpoints.resolve()
    group = _servers(settings)
    try:
        group.start()
        console.print(f"Ready: REST channel at {group.rasa_url}/webhooks/rest/webhook, "
                      f"{settings.servers.workers} worker(s) each (Ctrl-C to stop)")
        while all(p.poll() is None for p in group.processes.values()):
            import time

            time.sleep(1)
        console.print("[red]A server stopped; see var/logs/.[/red]")
        raise typer.Exit(1)
    except ServerError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)
    except KeyboardInterrupt:
        pass
    finally:
        group.stop()


@app.command()
def chat(
    url: Optional[str] = typer.Option(None, help="Rasa server URL (default from settings)."),
    sender: Optional[str] = typer.Option(None, help="Conversation id (default: a new one)."),
) -> None:
    """Chat in the terminal with a running tutor (`tutor serve`) through Rasa's REST channel."""
    settings = _settings()
    rasa_url = url or f"http://{settings.servers.host}:{settings.servers.rasa_port}"
    chat_loop(RestClient(rasa_url, sender or default_sender()), input, typer.echo)


@app.command()
def slack(
    socket: bool = typer.Option(False, "--socket", help="Socket Mode (needs SLACK_APP_TOKEN) instead of HTTP."),
    port: int = typer.Option(3000, help="HTTP port for Slack's requests (/slack/events)."),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (put a TLS proxy in front in production)."),
    concurrency: int = typer.Option(32, min=1, max=512, help="Messages answered at once (threads waiting on Rasa)."),
) -> None:
    """Run the Slack app against the running tutor (`tutor serve`). Secrets come from the environment:
    SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)."""
    import os

    from bot.slack import SlackConfig, create_app, serve_http, serve_socket_mode
    from store import TurnStore

    settings = _settings()
    missing = [v for v in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET") if not os.environ.get(v)]
    if socket and not os.environ.get("SLACK_APP_TOKEN"):
        missing.append("SLACK_APP_TOKEN")
    if missing:
        console.print(f"[red]Set {', '.join(missing)} in the environment (see README, 'Connect to Slack').[/red]")
        raise typer.Exit(2)
    turns = TurnStore(settings.path(settings.paths.store))
    config = SlackConfig(
        bot_token=os.environ["SLACK_BOT_TOKEN"], signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        rasa_url=f"http://{settings.servers.host}:{settings.servers.rasa_port}",
        api_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
        trainer_channel=os.environ.get("SLACK_TRAINER_CHANNEL", ""), concurrency=concurrency,
    )
    bolt = create_app(config, turns.set_feedback)
    if socket:
        serve_socket_mode(bolt, os.environ["SLACK_APP_TOKEN"])
    else:
        console.print(f"Slack app listening on http://{host}:{port}/slack/events")
        serve_http(bolt, host, port)


def _console_secret(settings: Settings) -> str:
    import os
    import secrets

    explicit = os.environ.get(settings.console.secret_env)
    if explicit:
        return explicit
    path = settings.path(settings.paths.store).parent / "console-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


@app.command(name="console")
def console_command() -> None:
    """Serve the trainer console (log in with an account from `tutor users add`)."""
    import uvicorn

    from console import create_app

    from .servers import tracker_store_url

    settings = _settings()
    web = create_app(settings.path(settings.paths.store), tracker_store_url(settings), _console_secret(settings),
                     lambda: SentenceEmbedder(settings.retrieval.embedding), settings.console.low_confidence, settings.console.https_only)
    console.print(f"Trainer console on http://{settings.console.host}:{settings.console.port}/")
    uvicorn.run(web, host=settings.console.host, port=settings.console.port, log_level="warning")


users_app = typer.Typer(help="Trainer console accounts.")
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    username: str,
    role: str = typer.Option("trainer", help="admin (sees real identities) | trainer | learner (refused by the console)."),
    password: Optional[str] = typer.Option(None, envvar="TUTOR_USER_PASSWORD", help="Default: asked for, hidden."),
) -> None:
    """Create or update a console account; the password is stored as a scrypt hash."""
    from console import add_user
    from store import open_database

    settings = _settings()
    password = password or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        add_user(open_database(settings.path(settings.paths.store)), username, password, role)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2)
    console.print(f"Account {username} ({role}) saved.")


@app.command()
def forget(learner: str = typer.Argument(..., help="The learner id as the tutor records it (e.g. slack:T1:U1).")) -> None:
    """Delete one learner's data everywhere: transcripts, tracker events, attempts, mastery, reviews, profile."""
    from console import forget as forget_learner

    from .servers import tracker_store_url

    settings = _settings()
    deleted = forget_learner(learner, settings.path(settings.paths.store), tracker_store_url(settings))
    console.print("Deleted: " + ", ".join(f"{n} {t}" for t, n in deleted.items() if n) if any(deleted.values()) else "Nothing stored for that learner.")


@app.command()
def retention() -> None:
    """Delete transcripts older than console.retention_days (run daily, e.g. from cron)."""
    from console import apply_retention

    from .servers import tracker_store_url

    settings = _settings()
    deleted = apply_retention(settings.console.retention_days, settings.path(settings.paths.store), tracker_store_url(settings))
    console.print(f"Retention ({settings.console.retention_days} days): " + ", ".join(f"{n} {t}" for t, n in deleted.items()))


@app.command()
def demo() -> None:
    """Ingest the sample courses, train Rasa if stale, start both servers and chat in the terminal."""
    settings = _settings()
    _ingest(settings, settings.path(settings.paths.courses))
    group = _servers(settings)
    try:
        train_model(settings)
        console.print("Starting the tutor (about a minute)…")
        group.start()
        chat_loop(RestClient(group.rasa_url, default_sender()), input, typer.echo)
    except ServerError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)
    finally:
        group.stop()


EVAL_SUITES = {"rag": "eval.rag_eval", "assessment": "eval.assessment_eval", "recommender": "eval.recommender_eval"}


@app.command(name="eval", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def evaluate(
    ctx: typer.Context,
    suite: str = typer.Argument("rag", help="rag (retrieval, answers), assessment (tracing, questions, grading) or recommender."),
) -> None:
    """Run an evaluation on the public data sets in ../shared/evaldata; extra options go to the suite."""
    if suite not in EVAL_SUITES:
        console.print(f"[red]Unknown suite {suite!r}; choose from {', '.join(EVAL_SUITES)}.[/red]")
        raise typer.Exit(2)
    sys.path.insert(0, str(PROJECT_ROOT))
    sys.argv = [EVAL_SUITES[suite], *ctx.args]
    runpy.run_module(EVAL_SUITES[suite], run_name="__main__")


@app.command(name="config")
def show_config(markdown: bool = typer.Option(False, "--markdown", help="Print a Markdown table (docs/configuration.md).")) -> None:
    """Print every setting with its default and what it does."""
    rows = describe()
    if markdown:
        typer.echo("| setting | default | what it does |\n|---|---|---|")
        for key, default, help_text in rows:
            typer.echo(f"| `{key}` | `{default}` | {help_text} |")
        return
    for key, default, help_text in rows:
        typer.echo(f"{key} = {default!r}\n    {help_text}")


services_app = typer.Typer(help="PostgreSQL and Redis on loopback for `tutor serve --workers N` on one host.")
app.add_typer(services_app, name="services")


def _local_services(settings: Settings, pg_port: int, redis_port: int):
    from .services import LocalPostgres, LocalRedis

    base = settings.path(Path("var/services"))
    return LocalPostgres(base / "postgres" / "data", port=pg_port), LocalRedis(base / "redis", port=redis_port)


@services_app.command("start")
def services_start(
    pg_port: int = typer.Option(5432, help="PostgreSQL port on 127.0.0.1."),
    redis_port: int = typer.Option(6379, help="Redis port on 127.0.0.1."),
) -> None:
    """Start PostgreSQL and Redis (data in var/services/) and print the variables deploy/endpoints.yml reads."""
    from .services import ServiceError

    postgres, redis = _local_services(_settings(), pg_port, redis_port)
    try:
        postgres.start()
        redis.start()
    except ServiceError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)
    for key, value in {**postgres.env(), **redis.env()}.items():
        print(f"export {key}={value!s}")
    console.print("Then: tutor serve --workers 2 --endpoints deploy/endpoints.yml   (stop with `tutor services stop`)")


@services_app.command("stop")
def services_stop(
    pg_port: int = typer.Option(5432, help="PostgreSQL port on 127.0.0.1."),
    redis_port: int = typer.Option(6379, help="Redis port on 127.0.0.1."),
) -> None:
    """Stop the PostgreSQL and Redis that `tutor services start` started."""
    postgres, redis = _local_services(_settings(), pg_port, redis_port)
    postgres.stop()
    redis.stop()
