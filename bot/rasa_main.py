"""Rasa's command line without the modules the tutor's Rasa process never uses: `python -m bot.rasa_main run …`
takes the arguments of `rasa run …` (cli/rasa_servers.py starts the server this way, and so does the container).

TensorFlow 2.12, which Rasa 3.6 runs on, requires JAX and imports it, when installed, for one thing: converting JAX
models to TF Lite. Without JAX it carries on as designed (the import is guarded), and the Rasa process holds about
100 MB less (eval/load/memory.py; docs/evaluation.md, "Memory"). Nothing of Rasa's uses JAX.
"""
from __future__ import annotations

import sys

UNUSED = ("jax", "jaxlib")


def main() -> None:
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # `import jax` then raises ImportError, as where JAX is not installed
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
