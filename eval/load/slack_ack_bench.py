"""Slack acknowledgement latency: how fast the Slack app answers Slack's HTTP request for an event (Slack
retries after 3 s). Starts a local Web API mock and the Slack app against a running tutor (`tutor serve`),
sends signed DM events, and prints p50/p95 of the time to HTTP 200, plus the time until the answer replaced
the placeholder.

    python -m eval.load.slack_ack_bench [--events 50] [--concurrency 5]
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import requests

ROOT = Path(__file__).resolve().parents[2]

SECRET = "bench-secret"


def signed(url: str, payload: dict) -> float:
    body = json.dumps(payload)
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    t0 = time.perf_counter()
    reply = requests.post(url, data=body.encode(), timeout=10, headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
    reply.raise_for_status()
    return (time.perf_counter() - t0) * 1000


def main(argv: list[str] | None = None) -> None:
    from tests.support.mock_slack import MockSlackServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=5)
    args = parser.parse_args(argv)
    mock = MockSlackServer().start()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": mock.url}
    app = subprocess.Popen([sys.executable, "-m", "cli", "slack", "--port", str(port)], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(url + "/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        questions = ["how do I report a phishing email?", "what does SBI stand for?", "what is a window function?", "hello"]

        def one(i: int) -> float:
            event = {"type": "message", "channel_type": "im", "channel": f"DB{i}", "user": f"UB{i % 7}",
                     "text": questions[i % len(questions)], "ts": f"{1000 + i}.1"}
            return signed(url + "/slack/events", {"type": "event_callback", "team_id": "TB", "event_id": f"EvB{i}", "event": event})

        start = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            acks = list(pool.map(one, range(args.events)))
        deadline = time.time() + 300
        while time.time() < deadline and len(mock.received("chat.update")) < args.events:
            time.sleep(0.2)
        answered_s = time.perf_counter() - start
        print(f"Slack ack latency over {args.events} events, {args.concurrency} at a time: "
              f"p50 {np.percentile(acks, 50):.1f} ms, p95 {np.percentile(acks, 95):.1f} ms, max {max(acks):.1f} ms")
        print(f"all {len(mock.received('chat.update'))} answers posted after {answered_s:.1f} s "
              f"({args.events / answered_s:.2f} answers/s end to end)")
    finally:
        app.terminate()
        app.wait(10)
        mock.stop()


if __name__ == "__main__":
    main()
