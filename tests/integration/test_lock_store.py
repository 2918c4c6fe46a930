"""The conversation lock store in Rasa's own environment: an unreachable Redis at release time is logged,
not raised (the turn was already answered and saved); taking a lock still fails loudly."""
import subprocess

import pytest

from cli.rasa_servers import PROJECT_ROOT, rasa_bin
from tests.support.workspace import free_port
from tutor import Settings

pytestmark = pytest.mark.integration

SCRIPT = """
import asyncio, sys
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig
store = LockStore.create(EndpointConfig(url="127.0.0.1", type="bot.lock_store.TutorRedisLockStore",
                                         port=sys.argv[1], db="1", password="", key_prefix="tutor"))
assert type(store).__name__ == "TutorRedisLockStore", type(store)
store.cleanup("conversation", 1)  # Redis is not there: logged, not raised
print("released")
async def take():
    async with store.lock("conversation"):
        pass
try:
    asyncio.run(take())
except Exception as exc:
    print("refused", type(exc).__name__)
"""


def test_release_failure_is_logged_and_taking_still_fails():
    python = rasa_bin(Settings()).parent / "python"
    result = subprocess.run([str(python), "-c", SCRIPT, str(free_port())], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=180, env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "released" in result.stdout and "refused LockError" in result.stdout  # Rasa wraps the Redis error
    assert "conversation lock not released" in result.stderr
