"""`tutor eval guessing` on a small scale: the drill starts the real console on loopback, guesses from one address,
from many bound 127.0.x.y addresses and through the trusted proxy, and passes only when no guess succeeds, the
checked guesses stay within the limit and the real user signs in afterwards."""
from __future__ import annotations

import pytest

from eval.security.guessing_drill import main

pytestmark = pytest.mark.integration


def test_a_short_drill_passes_and_reports_its_figures(tmp_path):
    out = tmp_path / "guessing.md"
    assert main(["--tries", "30", "--out", str(out)]) == 0
    report = out.read_text()
    assert "Result: PASS" in report and "| succeeded | 0 | 0 | 0 | 0 |" in report
    # 30 tries a second apart: 3 free, then waits of 1, 2, 4, 8 and 16 s leave room for 4 more (the drill's clock is
    # its own, so these counts never vary); the patient guesser gets 10, then one per 15-minute lock.
    assert "| checked | 7 | 7 | 7 | 17 |" in report and "| real user after the lock | 200 | 200 | 200 | 200 |" in report
