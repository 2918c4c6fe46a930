"""The Slack app (slack-bolt): relays DMs, @-mentions, button clicks (feedback and "Ask a human" included) and
`/tutor` to the Rasa server and renders the replies with Block Kit; the App Home tab shows the learner's
progress and recommendations straight from the Tutor.

Every event is acknowledged at once (bolt acks before running the listener, `process_before_response=False`);
the answer is worked out afterwards and replaces a "thinking" placeholder. Slack retries of the same event are
recognised by event id and dropped. The Web API client retries on 429 (honouring Retry-After) and on 5xx.

What the app says itself ("Thinking…", "please try again", the slash command's help, the App Home title) is in the
language of the message it answers, else the learner's remembered one (Tutor.words_for); trainers' notices stay in
the default language.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, ServerErrorRetryHandler

from bot.rasa_client import RestClient
from messages import FeedbackReceived, parse_reply, say

from .blocks import render, section

if TYPE_CHECKING:
    from tutor import Tutor

log = logging.getLogger(__name__)

# In the default language; per learner: Tutor.words_for(learner, text)("channel.unreachable").
SORRY = say("channel.unreachable")
THINKING = say("channel.thinking")
SLASH_COMMANDS = {"quiz": "say.quiz", "next": "say.next", "progress": "say.progress", "review": "say.review"}
FEEDBACK_ACTIONS = {"feedback_up": "up", "feedback_down": "down", "ask_human": "human"}


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


def create_app(config: SlackConfig, tutor: "Tutor") -> App:
    """The bolt App. Conversations go through Rasa at `config.rasa_url`; the App Home tab asks `tutor` directly."""
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
            return [{"text": tutor.words_for(learner, text)("channel.unreachable")}]

    def answer_in_thread(client: WebClient, team: str, channel: str, thread_ts: str | None, user: str, text: str) -> None:
        thinking = tutor.words_for(learner_of(team, user), text)("channel.thinking")
        placeholder = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=thinking)
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

    @app.action(re.compile(r"^(feedback_up|feedback_down|ask_human)$"))
    def feedback(ack: Callable, body: dict, action: dict, client: WebClient) -> None:
        """👍 / 👎 / Ask a human: through Rasa like every other turn, so each channel records feedback one way."""
        ack()
        value, turn = FEEDBACK_ACTIONS[action["action_id"]], str(action.get("value") or "")
        team, user = (body.get("team") or {}).get("id", ""), body["user"]["id"]
        channel, message = body["channel"]["id"], body.get("message") or {}
        command = "/give_feedback" + json.dumps({"feedback_value": value, "turn_id": turn})
        replies = [r for r in map(parse_reply, ask_rasa(command, conversation_id(team, channel, message.get("thread_ts")),
                                                         learner_of(team, user))) if r is not None]
        received = next((r for r in replies if isinstance(r, FeedbackReceived)), None)
        if received or replies:
            text = received.text if received else replies[0].text
        else:
            text = tutor.words_for(learner_of(team, user))("channel.unreachable")
        if value != "human":
            client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
        if config.trainer_channel:
            question = received.question if received else ""
            client.chat_postMessage(channel=config.trainer_channel, text=say(
                "trainers.asked_slack", user=user, channel=channel, turn_id=turn, question=question[:500] or "…"))
        client.chat_postMessage(channel=channel, thread_ts=message.get("thread_ts") or message.get("ts"), text=text)

    @app.command("/tutor")
    def slash(ack: Callable, command: dict, respond: Callable) -> None:
        ack()
        verb, _, rest = (command.get("text") or "").strip().partition(" ")
        team, user = command.get("team_id", ""), command.get("user_id", "")
        w = tutor.words_for(learner_of(team, user), rest)
        if verb == "ask" and rest.strip():
            text = rest.strip()
        elif verb == "quiz" and rest.strip():
            text = w("say.quiz_on", topic=rest.strip())
        elif verb in SLASH_COMMANDS:
            text = w(SLASH_COMMANDS[verb])
        else:
            respond(text=w("channel.slash_help"), response_type="ephemeral")
            return
        fallback, blocks = render(ask_rasa(text, conversation_id(team, command.get("channel_id", ""), f"slash-{user}"), learner_of(team, user)))
        respond(text=fallback, blocks=blocks, response_type="ephemeral")

    @app.event("app_home_opened")
    def home(event: dict, body: dict, client: WebClient) -> None:
        """Progress and recommendations, straight from the Tutor (no conversation is started for them)."""
        if event.get("tab") not in (None, "home"):
            return
        learner = learner_of(body.get("team_id", ""), event["user"])
        w = tutor.words(learner)
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": w("channel.home_title")}}]
        for view in (tutor.progress, tutor.recommend):
            try:
                texts = [r.text for r in view(learner, lang=w.lang).replies if r.text]
            except Exception as exc:  # the tab still opens, with what could be shown
                log.error("App Home: %s", type(exc).__name__)
                texts = [w("channel.unreachable")]
            blocks += section("\n".join(texts) or "…")
            blocks.append({"type": "divider"})
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": blocks[:100]})

    return app
