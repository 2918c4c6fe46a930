"""`tutor lrs`: learning records (xAPI statements) for the company's LRS: send what is due now, show the outbox and
its dead letters, send dead letters again. `tutor serve` sends in the background; these are for checks and cron."""
from __future__ import annotations

import json
import time
from typing import List, Optional

import typer

from tutor import Tutor

from .main import app, console, load_or_exit

lrs_app = typer.Typer(help="Learning records (xAPI statements) for the company's LRS.", no_args_is_help=True)
app.add_typer(lrs_app, name="lrs")


def age(seconds: float) -> str:
    """A duration in the largest whole unit that fits ('45 s', '12 min', '3 h', '2 days')."""
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


@lrs_app.command("send")
def send(max_seconds: float = typer.Option(300.0, min=1, help="Stop after this long (what is left waits for the next run)."),
         follow: bool = typer.Option(False, "--follow", help="Keep sending, as `tutor serve` does, until stopped (Ctrl-C, "
                                     "SIGTERM): the sender of a deployment that runs the servers without `tutor serve`.")) -> None:
    """Send the statements waiting in the outbox to the LRS now (backoffs cut short), in batches; exit 1 when the LRS
    could not take them."""
    tutor = Tutor(load_or_exit())
    if follow:
        follow_outbox(tutor)
        return
    report = tutor.learning_records.send(max_seconds)
    if report is None:
        pending = tutor.learning_records.status().pending
        console.print(f"[yellow]lrs.endpoint is not set: {pending} statements wait in the outbox.[/yellow]")
        raise typer.Exit(1)
    rate = report.delivered / report.seconds if report.seconds > 0 else 0.0
    console.print(f"Delivered {report.delivered} statements in {report.requests} requests ({report.seconds:.1f} s, "
                  f"{rate:.0f}/s); {report.dead} to the dead-letter list.")
    if report.error:
        console.print(f"[yellow]{report.error}[/yellow]")
    if report.stalled:
        raise typer.Exit(1)


def follow_outbox(tutor: Tutor) -> None:
    """The background sender of `tutor serve` (every lrs.poll_s, backoff while the LRS fails) in the foreground."""
    from .rasa_servers import Stopped, stop_on_signals

    stop_on_signals()
    sender = tutor.learning_records.start_sender()
    if sender is None:
        console.print("[red]lrs.endpoint is not set: there is no LRS to send to.[/red]")
        raise typer.Exit(1)
    console.print(f"Sending learning records to {tutor.settings.lrs.statements_url} (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, Stopped):
        pass
    finally:
        sender.stop()


@lrs_app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
           dead: int = typer.Option(10, min=0, help="Dead letters to list (newest first).")) -> None:
    """The outbox: statements waiting (and the oldest one's age), delivered, dead letters and the last failure."""
    tutor = Tutor(load_or_exit())
    records = tutor.learning_records
    found = records.status()
    letters = records.dead_letters(dead) if dead else []
    now = time.time()
    if as_json:
        typer.echo(json.dumps({
            "endpoint": tutor.settings.lrs.endpoint, "pending": found.pending, "delivered": found.delivered, "dead": found.dead,
            "oldest_pending_age_s": round(now - found.oldest_pending, 1) if found.oldest_pending else None,
            "next_retry_in_s": round(max(0.0, found.next_attempt - now), 1) if found.next_attempt else None,
            "last_error": found.last_error,
            "dead_letters": [{"statement_id": r.statement_id, "verb": r.verb, "created": r.created, "error": r.last_error}
                             for r in letters]}, indent=2))
        return
    typer.echo(f"LRS: {tutor.settings.lrs.statements_url or 'none configured (lrs.endpoint): statements are kept'}")
    oldest = f" (oldest {age(now - found.oldest_pending)} old)" if found.oldest_pending else ""
    typer.echo(f"Waiting: {found.pending}{oldest}; delivered: {found.delivered}; dead letters: {found.dead}")
    if found.last_error:
        retry = f"; next retry in {age(max(0.0, found.next_attempt - now))}" if found.next_attempt else ""
        typer.echo(f"Last failure: {found.last_error}{retry}")
    for row in letters:
        typer.echo(f"  dead {row.statement_id} {row.verb or '?'} {time.strftime('%Y-%m-%d %H:%M', time.localtime(row.created))}: "
                   f"{row.last_error}")


@lrs_app.command("requeue")
def requeue(statement_ids: Optional[List[str]] = typer.Argument(None, help="Dead letters to send again (ids from `tutor lrs status`)."),
            every: bool = typer.Option(False, "--all", help="Send every dead letter again.")) -> None:
    """Put dead letters back in the outbox once their cause is fixed (they are checked and sent again)."""
    if not statement_ids and not every:
        console.print("[red]Name the dead letters to send again, or pass --all.[/red]")
        raise typer.Exit(2)
    count = Tutor(load_or_exit()).learning_records.requeue(None if every else list(statement_ids or []))
    console.print(f"{count} dead letters queued again.")
