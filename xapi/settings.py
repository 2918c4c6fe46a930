"""Typed settings for learning records: what the statements say about the learner, and where and how they are
delivered (tutor.yml's `lrs` section)."""
from __future__ import annotations

from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ACTOR_MODES = ("pseudonym", "mbox", "account")


def _http_url(value: str, what: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"{what} must be an http(s) URL such as https://lms.example.com, not {value!r}")
    return value


class LrsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint: str = Field(
        "", description="The LRS's xAPI endpoint, e.g. http://127.0.0.1:8100/xAPI/ (statements go to "
        "<endpoint>/statements). Empty: nothing is sent; statements wait in the outbox until one is set.")
    username: str = Field("tutor", description="User name for the LRS (HTTP basic authentication).")
    password_env: str = Field("TUTOR_LRS_PASSWORD", description="Environment variable holding the LRS password (never in the file).")
    actor: Literal["pseudonym", "mbox", "account"] = Field(
        "pseudonym", description="Who statements name as the learner: 'pseudonym' (an account whose name is the same "
        "stable alias as in logs and the console, at activity_base), 'mbox' (mailto: the learner id, which must be the "
        "company e-mail address) or 'account' (the learner id as an account name at account_home_page).")
    account_home_page: str = Field("", description="For actor 'account': the home page of the company's accounts, e.g. https://login.example.com.")
    activity_base: str = Field(
        "https://tutor.invalid", description="IRI prefix of the tutor's activities (courses, sections, questions, quizzes, "
        "skills), extensions and pseudonymous accounts; set it to the tutor's own address.")
    send_text: bool = Field(
        False, description="Put what learners typed (their questions, free-text quiz answers) into statements; off, "
        "statements say what happened without the learner's words.")
    quiz_pass_score: float = Field(0.8, ge=0.0, le=1.0, description="Share of a quiz answered right for a 'passed' statement (below it: 'failed').")
    batch_size: int = Field(500, ge=1, le=1000, description="Statements sent in one request (Ralph's file backend reads its whole file on each request: bigger batches send faster).")
    backoff_min_s: float = Field(1.0, gt=0, description="First wait after the LRS failed or could not be reached; it doubles on each failure.")
    backoff_max_s: float = Field(300.0, gt=0, description="Longest wait between tries while the LRS keeps failing.")
    timeout_s: float = Field(10.0, gt=0, le=300, description="How long one request to the LRS may take.")
    poll_s: float = Field(2.0, gt=0, le=3600, description="How often the sender in `tutor serve` looks for new statements.")

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        value = value.strip()
        return _http_url(value, "lrs.endpoint") if value else value

    @field_validator("activity_base")
    @classmethod
    def _base(cls, value: str) -> str:
        return _http_url(value.strip().rstrip("/"), "lrs.activity_base")

    @model_validator(mode="after")
    def _consistent(self) -> "LrsSettings":
        if self.backoff_min_s > self.backoff_max_s:
            raise ValueError("lrs.backoff_min_s must not exceed lrs.backoff_max_s")
        if self.actor == "account":
            if not self.account_home_page:
                raise ValueError("lrs.actor 'account' needs lrs.account_home_page (the home page of the company's accounts)")
            _http_url(self.account_home_page, "lrs.account_home_page")
        return self

    @property
    def statements_url(self) -> str:
        return self.endpoint.rstrip("/") + "/statements" if self.endpoint else ""
