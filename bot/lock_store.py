"""Rasa's Redis lock store, with one difference: a turn that has been processed and saved is not failed
because its lock could not be released afterwards.

Rasa releases the conversation lock in a `finally` after the turn. If Redis is unreachable at that moment
(restarting, say), Rasa's store raises from there, the channel reports a failure, and the learner is asked
to try again for a turn that was in fact answered and stored: the retry then runs it twice. Here that
release error is logged instead. Nothing is left locked for long: a lost release only leaves a ticket that
expires after its lifetime (Rasa's `TICKET_LOCK_LIFETIME`, 60 s), and a restarted Redis without persistence
holds no locks at all. Taking the lock still fails loudly, before anything happens.

endpoints.yml:  lock_store: {type: bot.lock_store.TutorRedisLockStore, url: …, port: …, db: …}
"""
from __future__ import annotations

import logging
from typing import Any, Optional, Text

from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

log = logging.getLogger(__name__)


class TutorRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa builds a lock store named by module path
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        for key in ("port", "db"):
            if key in kwargs and kwargs[key] not in (None, ""):
                kwargs[key] = int(kwargs[key])
        super().__init__(**kwargs)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        import redis

        try:
            super().cleanup(conversation_id, ticket_number)
        except redis.exceptions.RedisError as exc:
            log.warning("conversation lock not released (%s); it expires with its lifetime", exc.__class__.__name__)
