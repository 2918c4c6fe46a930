"""The team reports in headless Chromium against the real `tutor console`, with its Content-Security-Policy on: a
manager and a trainer open the reports, every chart loads as an image, a CSV downloads, the page logs no error
(no inline style or script refused), and the manager cannot open a conversation. Screenshots go to
$TUTOR_SCREENSHOTS (docs/screenshots when refreshing the README's)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.presenting import conversation_key
from tests.support.console import PASSWORD, console_tutor, launch_chromium, running_console
from tests.support.reports import seed_company

pytestmark = pytest.mark.integration
SECRET = "test-secret"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    work = tmp_path_factory.mktemp("reports-console")
    tutor = console_tutor(work, "  report_min_group: 5\n")
    seed_company(tutor, PASSWORD)
    tutor.records.turns.record("a0", "how do I spot phishing?", "Check the sender.", channel="rest", conversation_id="c-a0")
    tutor.records.close()
    with running_console(work, SECRET) as url:
        yield url


def sign_in(page, url: str, user: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/reports" if user.startswith("manager") else "**/conversations")


def open_reports(page, url: str) -> None:
    page.goto(url + "/reports")
    page.wait_for_load_state("networkidle")
    widths = page.eval_on_selector_all("img.report-chart", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert len(widths) == 5 and all(w > 0 for w in widths), widths


def test_managers_and_trainers_read_the_reports_in_chromium(console, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("TUTOR_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        for user, shot in (("manager-a", "console-reports-manager.png"), ("trainer-a", "console-reports-trainer.png")):
            context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            # Content-Security-Policy refusals are console errors; failed loads are checked by their responses.
            page.on("console", lambda m: errors.append(f"{user}: {m.text}")
                    if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
            page.on("response", lambda r: errors.append(f"{user}: {r.status} {r.url}")
                    if r.status >= 400 and "/favicon.ico" not in r.url and "/conversations/" not in r.url else None)
            page.on("pageerror", lambda e: errors.append(f"{user}: {e}"))
            sign_in(page, console, user)
            open_reports(page, console)
            assert "fewer than 5 learners" in page.content()  # the passwords skill: two learners
            assert ("Conversations" in page.inner_text("header")) == user.startswith("trainer")
            with page.expect_download() as download:
                page.click("#csv-completions")
            exported = Path(download.value.path()).read_text(encoding="utf-8")
            assert exported.startswith("\ufeffcourse,week,completed,share_of_team") and "Information Security Basics" not in exported.split("\n")[0]
            page.screenshot(path=str(shots / shot), full_page=True)
            conversation = page.goto(console + "/conversations/" + conversation_key("c-a0", SECRET))
            if user.startswith("manager"):
                assert conversation.status == 403
            else:
                assert conversation.status == 200
            context.close()
        browser.close()
    assert errors == []
