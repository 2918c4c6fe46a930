"""`tutor`: the command line. Each command is a thin shell over the Tutor (`tutor.Tutor`) or over what it starts
(the Rasa servers, the Slack app, the trainer console); running commands are in `running.py`.

Imports are kept inside the commands, so `tutor ask` loads only what one answer needs.
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from tutor import Settings, SettingsError, Tutor, load_settings

app = typer.Typer(help="A conversational tutor for workplace learning.", no_args_is_help=True, add_completion=False)
console = Console(stderr=True)
log = logging.getLogger("tutor")


def load_or_exit() -> Settings:
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
    ingest_into(Tutor(load_or_exit()), path)


def ingest_into(tutor: Tutor, path: Path) -> None:
    if not path.exists():
        console.print(f"[red]{path} does not exist.[/red]")
        raise typer.Exit(2)
    report = tutor.ingest(path, progress=sys.stderr.isatty())
    for failed, reason in report.failed.items():
        console.print(f"[yellow]skipped[/yellow] {failed}: {reason}")
    if report.changed or report.sentences_embedded:
        console.print(
            f"Indexed: {len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
            f"{len(report.unchanged)} unchanged; {report.chunks_embedded} passages and {report.sentences_embedded} "
            f"sentences embedded, {report.total_chunks} passages in the index ({report.seconds:.1f}s)."
        )
    else:
        console.print(f"Nothing changed: {len(report.unchanged)} files already indexed ({report.total_chunks} passages).")
    for problem in report.catalogue_problems:
        console.print(f"[yellow]catalogue:[/yellow] {problem}")
    if report.warnings:
        from rich.markup import escape

        for line in report.warning_summary():
            console.print(f"[yellow]{escape(line)}[/yellow]" if not line.startswith(" ") else escape(line))


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question, as a learner would type it."),
    mode: Optional[str] = typer.Option(None, help="extractive | generative | guarded (default from settings)."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer's structured form, timings and scores as JSON."),
) -> None:
    """Answer one question directly from the index, without Rasa and without recording it (for checking content)."""
    from retrieval import RetrievalError

    settings = load_or_exit()
    if mode:
        settings.retrieval.answer.mode = mode
    tutor = Tutor(settings)
    try:
        tutor.index_version()
    except RetrievalError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)
    outcome = tutor.answer("cli", question, channel="cli", record=False, mode=mode, offer_quiz=False)
    reply = outcome.replies[0]
    payload = reply.payload()
    if as_json:
        typer.echo(json.dumps({**(payload or {"text": reply.text}), **outcome.values}, indent=2, ensure_ascii=False))
    else:
        typer.echo(reply.text)
    if payload is None:  # no answer at all: the index is missing or unreadable
        raise typer.Exit(1)


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

    settings = load_or_exit()
    missing = [v for v in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET") if not os.environ.get(v)]
    if socket and not os.environ.get("SLACK_APP_TOKEN"):
        missing.append("SLACK_APP_TOKEN")
    if missing:
        console.print(f"[red]Set {', '.join(missing)} in the environment (see README, 'Connect to Slack').[/red]")
        raise typer.Exit(2)
    config = SlackConfig(
        bot_token=os.environ["SLACK_BOT_TOKEN"], signing_secret=os.environ["SLACK_SIGNING_SECRET"], rasa_url=settings.rasa_url,
        api_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
        trainer_channel=os.environ.get("SLACK_TRAINER_CHANNEL", ""), concurrency=concurrency,
    )
    bolt = create_app(config, Tutor(settings))
    if socket:
        serve_socket_mode(bolt, os.environ["SLACK_APP_TOKEN"])
    else:
        console.print(f"Slack app listening on http://{host}:{port}/slack/events")
        serve_http(bolt, host, port)


def console_secret(settings: Settings) -> str:
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

    settings = load_or_exit()
    web = create_app(Tutor(settings), console_secret(settings))
    console.print(f"Trainer console on http://{settings.console.host}:{settings.console.port}/")
    # proxy_headers off: the console itself believes forwarded-for headers from console.trusted_proxies only.
    uvicorn.run(web, host=settings.console.host, port=settings.console.port, log_level="warning", proxy_headers=False)


users_app = typer.Typer(help="Trainer console accounts.")
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    username: str,
    role: str = typer.Option("trainer", help="admin (sees real identities) | trainer | manager (team reports only) | learner (refused by the console)."),
    password: Optional[str] = typer.Option(None, envvar="TUTOR_USER_PASSWORD", help="Default: asked for, hidden."),
) -> None:
    """Create or update a console account; the password is stored as a scrypt hash."""
    from console import add_user

    tutor = Tutor(load_or_exit())
    password = password or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        add_user(tutor.records.accounts, username, password, role)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2)
    audit(tutor, "account saved", target=username, detail={"role": role})
    console.print(f"Account {username} ({role}) saved.")


def audit(tutor: Tutor, action: str, **details) -> None:
    """Record a command in the audit trail, by the operating-system user who ran it."""
    import getpass

    from store import AuditTrail

    AuditTrail(tutor.records.db).record(f"cli:{getpass.getuser()}", action, role="operator", address="local", **details)


@users_app.command("list")
def users_list() -> None:
    """Console accounts with their sign-in state, sessions and learner groups."""
    from console.admin import overview
    from store import ConsoleSessions, Groups, LoginThrottle

    tutor = Tutor(load_or_exit())
    db, settings = tutor.records.db, tutor.settings.console
    data = overview(tutor.records.accounts, LoginThrottle(db), ConsoleSessions(db), Groups(db),
                    settings.session_idle_minutes * 60, settings.session_max_hours * 3600)
    for user in data["users"] + data["sso_users"]:
        state = f"locked {user['locked'] / 60:.0f} min" if user.get("locked") else f"{user.get('failures', 0)} failed"
        typer.echo(f"{user['username']}\t{user.get('role', '')}\t{state}\t{user['sessions']} sessions\t{', '.join(user['groups'])}")


@users_app.command("unlock")
def users_unlock(username: str) -> None:
    """Lift the sign-in lock of an account (after too many wrong passwords)."""
    from console.login import account_key
    from store import LoginThrottle

    tutor = Tutor(load_or_exit())
    cleared = LoginThrottle(tutor.records.db).unlock(account_key(username))
    audit(tutor, "unlock", target=username, outcome="ok" if cleared else "nothing to unlock")
    console.print(f"{username} unlocked." if cleared else f"{username} was not locked.")


@users_app.command("signout")
def users_signout(username: str) -> None:
    """End every console session of a user (sign out everywhere)."""
    from store import ConsoleSessions

    tutor = Tutor(load_or_exit())
    ended = ConsoleSessions(tutor.records.db).end_all(username)
    audit(tutor, "sign-out everywhere", target=username, detail={"sessions": ended})
    console.print(f"{ended} session(s) of {username} ended.")


groups_app = typer.Typer(help="Learner groups for team-scoped console access.")
app.add_typer(groups_app, name="groups")


@groups_app.command("import")
def groups_import(file: Path = typer.Argument(..., help="CSV with lines learner,group (a header line is allowed)."),
                  replace: bool = typer.Option(False, "--replace", help="The learners listed lose the groups not listed for them.")) -> None:
    """Put learners in groups (e.g. from your HR system's export); trainers see the learners of their groups."""
    from console.admin import read_memberships
    from store import Groups, pseudonym

    if not file.exists():
        console.print(f"[red]{file} does not exist.[/red]")
        raise typer.Exit(2)
    rows, problems = read_memberships(file.read_text(encoding="utf-8", errors="replace"))
    if problems:
        console.print("[red]Nothing imported:[/red] " + "; ".join(problems[:20]))
        raise typer.Exit(2)
    tutor = Tutor(load_or_exit())
    count = Groups(tutor.records.db).import_memberships(rows, replace=replace)
    audit(tutor, "group import", detail={"memberships": count, "groups": sorted({g for _, g in rows}),
                                         "learners": sorted({pseudonym(learner) for learner, _ in rows})[:50]})
    console.print(f"Imported {count} memberships in {len({g for _, g in rows})} groups.")


@groups_app.command("assign")
def groups_assign(username: str, groups: list[str] = typer.Argument(None, help="The groups the trainer looks after (none: clear).")) -> None:
    """Set the learner groups a trainer sees (replaces the trainer's groups)."""
    from store import Groups

    tutor = Tutor(load_or_exit())
    chosen = Groups(tutor.records.db).set_trainer_groups(username, groups or [])
    audit(tutor, "trainer groups", target=username, detail={"groups": chosen})
    console.print(f"{username} sees: {', '.join(chosen) or 'no learners'}.")


@groups_app.command("list")
def groups_list() -> None:
    """Groups with their number of learners, and the groups each trainer sees."""
    from store import Groups

    found = Groups(Tutor(load_or_exit()).records.db)
    for group, size in found.sizes().items():
        typer.echo(f"{group}\t{size} learners")
    for username, groups in found.trainers().items():
        typer.echo(f"{username} sees\t{', '.join(groups)}")


@app.command()
def forget(learner: str = typer.Argument(..., help="The learner id as the tutor records it (e.g. slack:T1:U1).")) -> None:
    """Delete one learner's data everywhere: transcripts, tracker events, attempts, mastery, reviews, question flags, profile,
    learning records not yet sent to the LRS (and say what the LRS keeps)."""
    tutor = Tutor(load_or_exit())
    left_in_lrs = tutor.learning_records.left_in_lrs(learner)
    deleted = tutor.forget(learner)
    audit(tutor, "forget", learner=learner, detail={k: v for k, v in deleted.items() if v})
    if any(deleted.values()):
        console.print("Deleted: " + ", ".join(f"{n} {t}" for t, n in deleted.items() if n))
    else:
        console.print("Nothing stored for that learner.")
    if left_in_lrs:
        console.print(f"[yellow]{left_in_lrs}[/yellow]")


@app.command()
def retention() -> None:
    """Delete transcripts older than console.retention_days and audit entries older than
    console.audit_retention_days (run daily, e.g. from cron); the run itself is recorded in the audit trail."""
    tutor = Tutor(load_or_exit())
    deleted = tutor.apply_retention()
    audit(tutor, "retention", detail={"days": tutor.settings.console.retention_days,
                                      "audit_days": tutor.settings.console.audit_retention_days, **deleted})
    console.print(f"Retention ({tutor.settings.console.retention_days} days): " + ", ".join(f"{n} {t}" for t, n in deleted.items()))


@app.command(name="fit-learner-model")
def fit_learner_model(out: Path = typer.Option(Path("var/learner_model.json"), "--out",
                                               help="Where to write the model.")) -> None:
    """Fit the learner model that predicts quiz success on this tutor's own recorded attempts."""
    tutor = Tutor(load_or_exit())
    try:
        summary = tutor.fit_learner_model(out)
    except ValueError as exc:
        console.print(f"[yellow]{exc}[/yellow]")
        raise typer.Exit(1)
    console.print(f"Fitted on {summary['attempts']} attempts of {summary['learners']} learners ({summary['skills']} "
                  f"skills): {out}. Use it with `assessment.success_model: {out}` in tutor.yml.")


EVAL_SUITES = {"rag": "eval.quality.rag_eval", "reading": "eval.quality.reading_eval", "handbook": "eval.quality.handbook_eval",
               "assessment": "eval.quality.assessment_eval", "recommender": "eval.quality.recommender_eval"}
EVAL_SUITES["cmrc"] = "eval.quality.cmrc_eval"  # Chinese retrieval and reading (CMRC 2018)
EVAL_SUITES["crosslingual"] = "eval.quality.crosslingual_eval"  # Chinese questions over the English 18F handbook
EVAL_SUITES["rubric"] = "eval.quality.question_rubric"  # generated questions against the rubric (handbook, courses)
EVAL_SUITES["lrs"] = "eval.lrs.drill"  # learning records through LRS outages: none lost, none twice, statements/s
EVAL_SUITES["guessing"] = "eval.security.guessing_drill"  # password guessing against the console, on loopback
EVAL_SUITES["scale"] = "eval.scale.search"  # search (and, with --part, ingest) at 100k-1M passages
EVAL_SUITES["memory"] = "eval.load.memory"  # RSS/USS/PSS of every process of the embedded stack, started and warmed


@app.command(name="eval", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def evaluate(
    ctx: typer.Context,
    suite: str = typer.Argument("rag", help="rag (retrieval, answers), reading (abstention, leading sentence, "
                                "leave-gold-out), handbook (a real handbook through the REST channel), assessment "
                                "(tracing, questions, grading), rubric (generated questions checked), recommender or lrs "
                                "(learning records through LRS outages, delivery rate)."),
) -> None:
    """Run an evaluation on the public data sets in ../shared/evaldata; extra options go to the suite."""
    import importlib

    if suite not in EVAL_SUITES:
        console.print(f"[red]Unknown suite {suite!r}; choose from {', '.join(EVAL_SUITES)}.[/red]")
        raise typer.Exit(2)
    result = importlib.import_module(EVAL_SUITES[suite]).main(list(ctx.args))
    if isinstance(result, int) and result:
        raise typer.Exit(result)


@app.command(name="config")
def show_config(markdown: bool = typer.Option(False, "--markdown", help="Print the Markdown table of defaults (docs/configuration.md).")) -> None:
    """Print every setting in effect, where its value came from (file, environment, default) and what it does."""
    from tutor import describe, effective

    if markdown:
        typer.echo("| setting | default | what it does |\n|---|---|---|")
        for key, default, help_text in describe():
            typer.echo(f"| `{key}` | `{default}` | {help_text} |")
        return
    for key, value, source, help_text in effective(load_or_exit()):
        shown = str(value) if isinstance(value, Path) else repr(value)
        typer.echo(f"{key} = {shown}    ({source})\n    {help_text}")


from . import running  # noqa: E402,F401  (registers serve, demo, chat, train, services)
from . import learning_records  # noqa: E402,F401  (registers lrs send, status, requeue)
