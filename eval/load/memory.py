"""Memory of the embedded stack: RSS, USS and PSS of every process, after start and after a warm-up.

    python -m eval.load.memory [--repeats 3] [--turns 3] [--json eval/reports/memory.json]
    tutor eval memory [same options]

Each repeat starts the embedded layout (eval.load.load_stack: one Rasa process, one action-server process, SQLite
tracker store) on the sample courses in a fresh workspace, measures every process, sends `--turns` real turns of
each kind through the REST channel (an English question, a Chinese question, a quiz started and answered,
recommendations), and measures again. The processes: Rasa and its children, the action server and its children,
and the parent `tutor serve` would be (a process that loads what it loads: the CLI, the Tutor and the learning-
records sender), measured apart because this benchmark's own process also ingests. RSS counts shared libraries in
full in each process; USS is what stopping the process would free; PSS shares the shared pages out.

The table gives the median over the repeats; the JSON keeps every repeat, the largest mapped files of each
process (which libraries and models it holds) and the replies of the warm-up, so two runs can be compared for
changed answers as well as for memory.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
KINDS = {
    "question_en": ["how do I report a phishing email?", "what does SBI stand for?",
                    "how should I structure a one-on-one meeting agenda?", "what is a LEFT JOIN?"],
    "question_zh": ["如何报告钓鱼邮件？", "什么是多因素认证？", "密码应该多长？", "怎么识别钓鱼邮件？"],
    "quiz": ["quiz me on SQL", "quiz me on information security", "quiz me on giving feedback", "quiz me"],
    "recommend": ["what should I learn next?", "recommend a course", "plan my path to Advanced SQL",
                  "which course should I take next"],
}
MB = 2 ** 20
PARENT_PROBE = """
import json, os, psutil
from cli.main import load_or_exit
import cli.running  # what `tutor serve` imports before it starts the servers
from tutor import Tutor
sender = Tutor(load_or_exit()).learning_records.start_sender()
m = psutil.Process().memory_full_info()
print(json.dumps({"rss": m.rss, "uss": m.uss, "pss": m.pss}))
if sender is not None:
    sender.stop()
"""


def measure(pid: int, role: str, maps: int = 8) -> list[dict[str, Any]]:
    """A row for `pid` and one for each of its descendants: RSS, USS, PSS in MB and the largest mapped files."""
    import psutil

    rows = []
    root = psutil.Process(pid)
    for depth, process in [(0, root), *[(1, child) for child in root.children(recursive=True)]]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            full = process.memory_full_info()
            mapped = sorted(((m.rss, m.path) for m in process.memory_maps(grouped=True) if m.path.startswith("/")),
                            reverse=True)[:maps]
            rows.append({"role": role if depth == 0 else f"{role} child", "pid": process.pid,
                         "command": " ".join(process.cmdline()[:4])[-90:], "rss_mb": full.rss / MB,
                         "uss_mb": full.uss / MB, "pss_mb": full.pss / MB,
                         "largest_maps": [{"path": p, "rss_mb": round(r / MB, 1)} for r, p in mapped]})
    return rows


def parent_probe(tutor_config: Path) -> dict[str, Any]:
    """What the process that runs `tutor serve` holds besides the servers, measured in a process of its own."""
    env = {**os.environ, "TUTOR_CONFIG": str(tutor_config), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", PARENT_PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300, check=True)
    sizes = json.loads(out.stdout.strip().splitlines()[-1])
    return {"role": "parent (tutor serve)", "pid": 0, "command": "cli + Tutor + learning-records sender",
            "rss_mb": sizes["rss"] / MB, "uss_mb": sizes["uss"] / MB, "pss_mb": sizes["pss"] / MB, "largest_maps": []}


def say(url: str, sender: str, text: str) -> list[dict]:
    reply = requests.post(url, json={"sender": sender, "message": text}, timeout=300)
    reply.raise_for_status()
    return reply.json()


def warm_up(rasa_url: str, turns: int, run: int) -> dict[str, list[dict[str, Any]]]:
    """`turns` turns of each kind through the REST channel, one learner per kind; a quiz is started, then its
    first question answered with option 1 (or a word). The replies' texts are kept."""
    url = f"{rasa_url}/webhooks/rest/webhook"
    said: dict[str, list[dict[str, Any]]] = {}
    for kind, texts in KINDS.items():
        sender = f"memory-{run}-{kind}"
        said[kind] = []
        for text in texts[:turns]:
            replies = say(url, sender, text)
            said[kind].append({"said": text, "replies": [m.get("text", "") for m in replies]})
            if kind == "quiz" and replies:
                answer = say(url, sender, "1")
                said[kind].append({"said": "1", "replies": [m.get("text", "") for m in answer]})
                say(url, sender, "stop the quiz")
    return said


def one_run(run: int, turns: int, index_dir: Path) -> dict[str, Any]:
    from .load_stack import layout

    with tempfile.TemporaryDirectory(prefix="memory-") as tmp:
        work = Path(tmp)
        with layout("embedded", 1, work, index_dir=index_dir) as running:
            def snapshot() -> list[dict[str, Any]]:
                rows = [parent_probe(work / "tutor.yml")]
                for role in ("rasa", "actions"):
                    rows += measure(running.pids[role], role)
                return rows

            started = snapshot()
            said = warm_up(running.rasa_url, turns, run)
            warmed = snapshot()
    return {"run": run, "after_start": started, "after_warm_up": warmed, "warm_up": said}


def by_role(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """RSS/USS/PSS summed over the processes of each role."""
    out: dict[str, dict[str, float]] = {}
    for row in rows:
        total = out.setdefault(row["role"], {"rss_mb": 0.0, "uss_mb": 0.0, "pss_mb": 0.0, "processes": 0})
        for key in ("rss_mb", "uss_mb", "pss_mb"):
            total[key] += row[key]
        total["processes"] += 1
    stack = [v for k, v in out.items() if not k.startswith("parent")]
    out["stack (Rasa + actions)"] = {key: sum(v[key] for v in stack) for key in ("rss_mb", "uss_mb", "pss_mb", "processes")}
    return out


def medians(runs: list[dict[str, Any]], moment: str) -> dict[str, dict[str, float]]:
    per_run = [by_role(r[moment]) for r in runs]
    return {role: {key: statistics.median(p[role][key] for p in per_run if role in p) for key in per_run[0][role]}
            for role in per_run[0]}


def format_table(runs: list[dict[str, Any]]) -> str:
    start, warm = medians(runs, "after_start"), medians(runs, "after_warm_up")
    lines = [f"Median of {len(runs)} run(s), MB | after start: RSS / USS / PSS | after warm-up: RSS / USS / PSS",
             "| process | n | RSS | USS | PSS | RSS warm | USS warm | PSS warm |", "|---|---|---|---|---|---|---|---|"]
    for role, w in warm.items():
        s = start.get(role, {"rss_mb": 0, "uss_mb": 0, "pss_mb": 0})
        lines.append(f"| {role} | {w['processes']:.0f} | {s['rss_mb']:.0f} | {s['uss_mb']:.0f} | {s['pss_mb']:.0f} | "
                     f"{w['rss_mb']:.0f} | {w['uss_mb']:.0f} | {w['pss_mb']:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--turns", type=int, default=3, help="turns of each kind in the warm-up (at most 4)")
    parser.add_argument("--json", type=Path, default=None, help="write every run's figures here")
    args = parser.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory(prefix="memory-index-") as index_tmp:
        index_dir = Path(index_tmp)  # ingested once: later runs find nothing changed
        for run in range(args.repeats):
            runs.append(one_run(run, args.turns, index_dir))
            print(f"run {run + 1}/{args.repeats} done", file=sys.stderr)
    print(format_table(runs))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        load = os.getloadavg()
        args.json.write_text(json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(), "load_average": load,
                                         "median_after_start": medians(runs, "after_start"),
                                         "median_after_warm_up": medians(runs, "after_warm_up"), "runs": runs},
                                        indent=1, ensure_ascii=False))
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
