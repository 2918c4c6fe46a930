"""What a Tutor call returns: the replies to send, and what the dialogue needs to know to carry on."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from messages import Reply

# Where a quiz stands after a call (Outcome.quiz).
QUIZ_ASKING = "asking"  # a question waits for the learner's answer
QUIZ_FINISHED = "finished"
QUIZ_PAUSED = "paused"
QUIZ_NONE = "none"  # no quiz (none started, or it could not start)


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    quiz: str = ""  # one of the QUIZ_* states when the call concerns a quiz
    quiz_offer: str | None = None  # a quick check on this topic was offered after an answer
    values: dict[str, Any] = field(default_factory=dict)  # what the call settled (a profile's role and goals, say)

    def add(self, reply: Reply) -> "Outcome":
        self.replies.append(reply)
        return self
