"""Microsoft Teams through the Bot Framework, as a Rasa channel (`/webhooks/teams/webhook`).

Built on Rasa's own Bot Framework channel, with what Teams needs on top: answers and quizzes as Adaptive
Cards with submit actions, card submits turned back into messages, one Rasa conversation per Teams
conversation (the person travels as `learner` metadata), non-blocking calls to the connector, the Microsoft
endpoints (OpenID metadata, token service) taken from the credentials so national clouds work, and "Ask a
human" posted to the trainers' Teams channel (`trainer_channel_id`) as a proactive message.
"""
from __future__ import annotations

import asyncio
import datetime
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

import requests
from rasa.core.channels.botframework import BotFramework, BotFrameworkInput
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from messages import FeedbackReceived, clean_message, parse_reply, say

from .inbound import sorry
from .strict_store import refuse_fallback_store
from .teams_cards import card_for, text_from_activity

log = logging.getLogger(__name__)

OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TOKEN_URL = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
TOKEN_SCOPE = "https://api.botframework.com/.default"


class TeamsOutput(BotFramework):
    """Sends activities to the conversation's connector; tokens are cached per app until they expire."""

    _tokens: Dict[str, tuple] = {}

    @classmethod
    def name(cls) -> Text:
        return "teams"

    def __init__(self, app_id: str, app_password: str, conversation: Dict[str, Any], bot: Dict[str, Any],
                 service_url: str, token_url: str, trainer_channel: str = "", sender_name: str = "") -> None:
        super().__init__(app_id, app_password, conversation, bot, service_url.rstrip("/") + "/")
        self.token_url = token_url
        self.trainer_channel = trainer_channel
        self.sender_name = sender_name

    def _token(self) -> Optional[str]:
        cached = TeamsOutput._tokens.get(self.app_id)
        if cached and cached[1] > datetime.datetime.now():
            return cached[0]
        reply = requests.post(self.token_url, data={"client_id": self.app_id, "client_secret": self.app_password,
                                                    "grant_type": "client_credentials", "scope": TOKEN_SCOPE}, timeout=15)
        if not reply.ok:
            log.error("could not get a Bot Framework token (HTTP %s)", reply.status_code)
            return None
        data = reply.json()
        expires = datetime.datetime.now() + datetime.timedelta(seconds=int(data.get("expires_in", 3600)) - 60)
        TeamsOutput._tokens[self.app_id] = (data["access_token"], expires)
        return data["access_token"]

    def _post(self, activity: Dict[str, Any]) -> None:
        token = self._token()
        headers = {"content-type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        uri = f"{self.global_uri}conversations/{self.conversation['id']}/activities"
        reply = requests.post(uri, headers=headers, data=json.dumps(activity), timeout=15)
        if not reply.ok:
            log.error("the connector refused an activity (HTTP %s)", reply.status_code)

    def _post_new_conversation(self, body: Dict[str, Any]) -> None:
        token = self._token()
        headers = {"content-type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        reply = requests.post(f"{self.global_uri}conversations", headers=headers, data=json.dumps(body), timeout=15)
        if not reply.ok:
            log.error("the connector refused a message to the trainers' channel (HTTP %s)", reply.status_code)

    async def send(self, message_data: Dict[str, Any]) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self._post, message_data)

    async def _send_card(self, recipient_id: str, attachment: Dict[str, Any], fallback: str) -> None:
        await self.send(self.prepare_message(recipient_id, {"text": fallback if not attachment else "", "attachments": [attachment]}))

    async def notify_trainers(self, reply: FeedbackReceived) -> None:
        """A new thread in the trainers' channel: who asked for a human, about which answer."""
        if not self.trainer_channel:
            return
        text = say("trainers.asked_teams", user=self.sender_name or say("trainers.someone"), turn_id=reply.turn_id, question=reply.question)
        body = {"isGroup": True, "bot": self.bot, "channelData": {"channel": {"id": self.trainer_channel}},
                "activity": {"type": "message", "text": text}}
        await asyncio.get_running_loop().run_in_executor(None, self._post_new_conversation, body)

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        reply = parse_reply(message)
        if reply is None:
            return
        if isinstance(reply, FeedbackReceived) and reply.value == "human" and reply.stored:
            await self.notify_trainers(reply)
        attachment = card_for(reply)
        if attachment:
            # One card carries what the plain text and buttons would have said.
            await self._send_card(recipient_id, attachment, reply.text)
        elif reply.text:
            await self.send_text_message(recipient_id, reply.text)


class TeamsInput(BotFrameworkInput):
    @classmethod
    def name(cls) -> Text:
        return "teams"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials or not credentials.get("app_id"):
            cls.raise_missing_credentials_exception()
        return cls(str(credentials["app_id"]), str(credentials.get("app_password") or ""),
                   credentials.get("openid_metadata_url") or OPENID_METADATA_URL, credentials.get("token_url") or TOKEN_URL,
                   str(credentials.get("trainer_channel_id") or ""))

    def __init__(self, app_id: str, app_password: str, openid_metadata_url: str = OPENID_METADATA_URL, token_url: str = TOKEN_URL,
                 trainer_channel: str = "") -> None:
        self.openid_metadata_url = openid_metadata_url
        self.token_url = token_url
        self.trainer_channel = trainer_channel
        try:
            super().__init__(app_id, app_password)
        except requests.RequestException as exc:
            # Keys are fetched again on the first request; the server still starts.
            log.warning("could not fetch Bot Framework signing keys yet: %s", type(exc).__name__)

    def _update_cached_jwk_keys(self) -> None:
        conf = requests.get(self.openid_metadata_url, timeout=15)
        conf.raise_for_status()
        keys = requests.get(conf.json()["jwks_uri"], timeout=15)
        keys.raise_for_status()
        self.jwt_keys = {key["kid"]: key for key in keys.json()["keys"]}
        self.jwt_update_time = datetime.datetime.now()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("teams_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.jwt_keys:
                try:
                    self._update_cached_jwk_keys()
                except requests.RequestException:
                    return response.text("Signing keys unavailable.", status=503)
            refused = self._validate_auth(request.headers.get("Authorization"))
            if refused:
                return refused
            activity = request.json or {}
            if activity.get("type") != "message":
                return response.text("ignored")
            sender = activity.get("from") or {}
            out = TeamsOutput(self.app_id, self.app_password, activity["conversation"], activity["recipient"],
                              activity["serviceUrl"], self.token_url, self.trainer_channel, str(sender.get("name") or ""))
            learner = sender.get("aadObjectId") or sender.get("id") or ""
            text = clean_message(text_from_activity(activity))
            message = UserMessage(
                text=text, output_channel=out,
                sender_id=f"teams:{activity['conversation']['id']}", input_channel=self.name(),
                metadata={"learner": f"teams:{learner}", "channel": "teams"},
            )
            refuse_fallback_store(request.app)
            try:
                await on_new_message(message)
            except Exception:
                log.exception("turn failed")
                await out.send_text_message(sender.get("id", ""), sorry(text))
            return response.text("success")

        return webhook
