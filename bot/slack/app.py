"""The Slack app (slack-bolt): relays DMs, @-mentions, button clicks and `/tutor` to the Rasa server and
renders the replies with Block Kit.

Every event is acknowledged at once (bolt acks before running the listener, `process_before_response=False`);
the answer is worked out afterwards and replaces a "thinking" placeholder. Slack retries of the same event are
recognised by event id and dropped. The Web API client retries on 429 (honouring Retry-After) and on 5xx.
"""
from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, ServerErrorRetryHandler

from bot.rasa_client import RestClient

from .blocks import render, section

log = logging.getLogger(__name__)

SORRY = "Sorry — I couldn't reach the tutor just now. Please try again in a moment."
THINKING = "Thinking…"
SLASH_COMMANDS = {"quiz": "quiz me", "next": "what should I learn next?", "progress": "how am I doing?", "review": "review"}
SLASH_HELP = "Usage: `/tutor ask QUESTION`, `/tutor quiz [TOPIC]`, `/tutor next`, `/tutor progress`."


@dataclass
class SlackConfig:
    bot_token: str
    signing_secret: str
    rasa_url: str
    api_url: str = "https://slack.com/api/"
    trainer_channel: str = ""
    concurrency: int = 32  # messages answered at once (each waits on Rasa in its own thread)


def conversation_id(team: str, channel: str, thread_ts: str | None) -> str:
    """One Rasa conversation per Slack thread (or per DM channel outside threads)."""
    return f"slack:{team}:{channel}:{thread_ts or 'main'}"


def learner_of(team: str, user: str) -> str:
    return f"slack:{team}:{user}"


class _SeenEvents:
    """Event ids already taken, so Slack's retries (X-Slack-Retry-Num) are not answered twice."""

    def __init__(self, size: int = 5000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._ids:
                return False
            self._ids[event_id] = None
            while len(self._ids) > self._size:
                self._ids.popitem(last=False)
            return True


def make_client(config: SlackConfig) -> WebClient:
    return WebClient(
        token=config.bot_token,
        base_url=config.api_url,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def create_app(config: SlackConfig, record_feedback: Callable[[str, str], bool]) -> App:
    """The bolt App; `record_feedback(turn_id, 'up'|'down'|'human')` stores feedback with the turn."""
    app = App(signing_secret=config.signing_secret, client=make_client(config), process_before_response=False,
              token_verification_enabled=False,
              listener_executor=ThreadPoolExecutor(max_workers=config.concurrency, thread_name_prefix="slack-listener"))
    rasa = RestClient(config.rasa_url)
    seen = _SeenEvents()

    @app.middleware
    def drop_retries(body: dict, next: Callable[[], BoltResponse]) -> BoltResponse:
        event_id = body.get("event_id")
        if event_id and not seen.first_time(event_id):
            log.info("dropping retried event %s", event_id)
            return BoltResponse(status=200, body="")
        return next()

    def ask_rasa(text: str, sender: str, learner: str) -> list[dict[str, Any]]:
        try:
            return rasa.send(text, sender=sender, metadata={"learner": learner, "channel": "slack"})
        except Exception as exc:  # the learner sees a clear message whatever went wrong
            log.error("Rasa unreachable: %s", type(exc).__name__)
            return [{"text": SORRY}]

    def answer_in_thread(client: WebClient, team: str, channel: str, thread_ts: str | None, user: str, text: str) -> None:
        placeholder = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=THINKING)
        messages = ask_rasa(text, conversation_id(team, channel, thread_ts), learner_of(team, user))
        fallback, blocks = render(messages)
        client.chat_update(channel=channel, ts=placeholder["ts"], text=fallback, blocks=blocks)

    @app.event("message")
    def direct_message(event: dict, body: dict, client: WebClient) -> None:
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return
        answer_in_thread(client, body.get("team_id", ""), event["channel"], event.get("thread_ts"), event.get("user", ""), event.get("text", ""))

    @app.event("app_mention")
    def mention(event: dict, body: dict, client: WebClient) -> None:
        text = re.sub(r"<@[A-Z0-9]+>\s*", "", event.get("text", "")).strip()
        thread = event.get("thread_ts") or event["ts"]
        answer_in_thread(client, body.get("team_id", ""), event["channel"], thread, event.get("user", ""), text)

    @app.action(re.compile(r"^rasa_button_\d+$"))
    def button(ack: Callable, body: dict, action: dict, client: WebClient) -> None:
        ack()
        # The click belongs to the conversation of the message it sits on: its thread, or the DM itself.
        message = body.get("message") or {}
        team = (body.get("team") or {}).get("id", "")
        answer_in_thread(client, team, body["channel"]["id"], message.get("thread_ts"), body["user"]["id"], action["value"])

    def feedback(kind: str, body: dict, action: dict, client: WebClient) -> None:
        stored = record_feedback(action["value"], kind)
        thanks = {"up": "Thanks — glad it helped!", "down": "Thanks — a trainer will use this to improve the course."}[kind]
        client.chat_postEphemeral(channel=body["channel"]["id"], user=body["user"]["id"], text=thanks if stored else "Thanks!")

    @app.action("feedback_up")
    def feedback_up(ack: Callable, body: dict, action: dict, client: WebClient) -> None:
        ack()
        feedback("up", body, action, client)

    @app.action("feedback_down")
    def feedback_down(ack: Callable, body: dict, action: dict, client: WebClient) -> None:
        ack()
        feedback("down", body, action, client)

    @app.action("ask_human")
    def ask_human(ack: Callable, body: dict, action: dict, client: WebClient) -> None:
        ack()
        record_feedback(action["value"], "human")
        channel, message = body["channel"]["id"], body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        if config.trainer_channel:
            client.chat_postMessage(channel=config.trainer_channel,
                                    text=f"<@{body['user']['id']}> asked for a human about turn {action['value']} in <#{channel}>.")
            reply = "I've asked a trainer to look at this; they'll reply here."
        else:
            reply = "No trainer channel is configured yet — please ask your learning team directly."
        client.chat_postMessage(channel=channel, thread_ts=thread, text=reply)

    @app.command("/tutor")
    def slash(ack: Callable, command: dict, respond: Callable) -> None:
        ack()
        verb, _, rest = (command.get("text") or "").strip().partition(" ")
        if verb == "ask" and rest.strip():
            text = rest.strip()
        elif verb == "quiz":
            text = f"quiz me on {rest.strip()}" if rest.strip() else "quiz me"
        elif verb in SLASH_COMMANDS:
            text = SLASH_COMMANDS[verb]
        else:
            respond(text=SLASH_HELP, response_type="ephemeral")
            return
        team, user = command.get("team_id", ""), command.get("user_id", "")
        fallback, blocks = render(ask_rasa(text, conversation_id(team, command.get("channel_id", ""), f"slash-{user}"), learner_of(team, user)))
        respond(text=fallback, blocks=blocks, response_type="ephemeral")

    @app.event("app_home_opened")
    def home(event: dict, body: dict, client: WebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        team, user = body.get("team_id", ""), event["user"]
        sender = conversation_id(team, f"home-{user}", None)
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": "Your learning"}}]
        for question in ("how am I doing?", "what should I learn next?"):
            messages = ask_rasa(question, sender, learner_of(team, user))
            blocks += section("\n".join(m["text"] for m in messages if m.get("text")) or "…")
            blocks.append({"type": "divider"})
        client.views_publish(user_id=user, view={"type": "home", "blocks": blocks[:100]})

    return app
