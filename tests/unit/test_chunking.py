"""Chunks stay inside one section and carry its path."""
import pytest

from retrieval.chunking import split_document
from retrieval.loaders import SourceDocument
from retrieval.settings import ChunkSettings

pytestmark = pytest.mark.unit


def test_chunks_keep_section_paths_and_size_limits():
    long_para = " ".join(["Passphrases are long and easy to remember."] * 60)
    text = f"# Security\n\nIntro text for the course.\n\n## Passwords\n\n{long_para}\n\n### Managers\n\nUse the company password manager.\n\n## MFA\n\nTurn on MFA everywhere.\n"
    doc = SourceDocument("sec.md", "Security", text, {"id": "sec", "url": "https://x/sec", "audience": ["all"]})
    chunks = split_document(doc, ChunkSettings(chunk_size=300, chunk_overlap=50))
    sections = {c.section for c in chunks}
    assert {"Passwords", "Passwords > Managers", "MFA"} <= sections
    assert all(len(c.text) <= 300 for c in chunks)
    assert len([c for c in chunks if c.section == "Passwords"]) >= 5
    assert all(c.course_id == "sec" and c.url == "https://x/sec" for c in chunks)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    manager = next(c for c in chunks if c.section == "Passwords > Managers")
    assert manager.embedding_text().startswith("Security — Passwords > Managers")


def test_table_rows_are_sentences_inside_their_section(tmp_path):
    from retrieval.loaders import load_document

    path = tmp_path / "career" / "levels.md"
    path.parent.mkdir()
    path.write_text(
        "---\ntitle: Career levels\n---\n## Engineering levels\n\nEach level has a title and a band.\n\n"
        "| Level | Title | Band |\n|---|---|---|\n| Junior | Engineer I | GS-11 |\n| Senior | Engineer III | GS-14 |\n\n"
        "## Promotions\n\nPromotions happen once a year after review.\n"
    )
    chunks = split_document(load_document(path, tmp_path), ChunkSettings())
    levels = " ".join(c.text for c in chunks if c.section == "Engineering levels")
    assert "Junior — Title: Engineer I; Band: GS-11." in levels and "Senior — Title: Engineer III; Band: GS-14." in levels
    assert not any("|" in c.text for c in chunks)
    assert {c.source for c in chunks} == {"career/levels.md"} and {c.course_id for c in chunks} == {"career/levels"}


def test_level_five_and_six_headings_lead_their_paragraph_instead_of_leaking_hashes():
    from retrieval import split_sentences

    text = ("# Travel\n\n## Booking\n\n##### Rules\n\nYou must book every trip through the travel portal.\n\n"
            "###### Receipts.\n\nKeep every receipt above seventy-five dollars.\n\n```\n##### kept in code\n```\n")
    chunks = split_document(SourceDocument("travel.md", "Travel", text), ChunkSettings())
    body = "\n".join(c.text for c in chunks)
    assert {c.section for c in chunks} == {"Booking"}
    assert "Rules: You must book every trip through the travel portal." in split_sentences(body)
    assert "Receipts." in body and "Receipts.:" not in body
    assert "##### kept in code" in body and body.count("#####") == 1


def test_contractions_are_searched_as_the_words_a_passage_writes():
    from retrieval.languages import tokenize

    assert tokenize("What's the employee’s allowance? I don't know, it isn't listed") == [
        "employee", "allowance", "not", "know", "not", "listed"]


def test_hard_wrapped_markdown_is_cut_between_sentences(tmp_path):
    import re
    import textwrap

    from retrieval.loaders import load_document

    sentences = [f"Rule {n} says that travellers keep every receipt above {n * 5} dollars for the voucher." for n in range(1, 40)]
    wrapped = "\n".join(textwrap.wrap(" ".join(sentences), width=72))  # wrapped mid-sentence, as many handbooks are
    path = tmp_path / "travel.md"
    path.write_text(f"---\ntitle: Travel\n---\n## Receipts\n\n{wrapped}\n")
    chunks = split_document(load_document(path, tmp_path), ChunkSettings(chunk_size=300, chunk_overlap=60))
    assert len(chunks) >= 8
    for chunk in chunks:
        assert re.match(r"Rule \d+ says", chunk.text), chunk.text[:40]
        assert chunk.text.endswith("voucher."), chunk.text[-40:]


def test_sentences_are_not_cut_at_dotted_abbreviations_or_inside_a_link():
    from retrieval import split_sentences

    text = ("The [U.S. Web Design System](https://designsystem.digital.gov/) is a style guide. It ships design kits. "
            "Fly into Washington, D.C. Reagan National is closest. Use a template (e.g. Cloud.gov) for slides. "
            "Ask Dr. Rivera before you book. We haven't booked it. Ask us anything! Populate attachment C. Then send it. "
            "Meet at the [John C. Kluczynski Federal building](https://www.gsa.gov/jck) lobby.")
    assert split_sentences(text) == [
        "The [U.S. Web Design System](https://designsystem.digital.gov/) is a style guide.",
        "It ships design kits.",
        "Fly into Washington, D.C. Reagan National is closest.",
        "Use a template (e.g. Cloud.gov) for slides.",
        "Ask Dr. Rivera before you book.",
        "We haven't booked it.",
        "Ask us anything!",
        "Populate attachment C.",
        "Then send it.",
        "Meet at the [John C. Kluczynski Federal building](https://www.gsa.gov/jck) lobby.",
    ]


def test_a_line_break_left_after_joining_wrapped_lines_ends_a_sentence(tmp_path):
    from retrieval import split_sentences
    from retrieval.loaders import load_document

    path = tmp_path / "roles.md"
    path.write_text("---\ntitle: Roles\n---\n## Account managers\n\nAccount managers handle:\n\n"
                    "Developing travel estimates and obtaining approvals\n\nMaintaining partner relationships\n\n"
                    "[Next to Complete your profile >](https://example.gov/next)\n\n"
                    "A travel card will help you pay for lodging and\ntaxis while on your trip.\n")
    chunks = split_document(load_document(path, tmp_path), ChunkSettings())
    assert len(chunks) == 1  # the header splitter joins the section's lines, blank ones dropped
    assert split_sentences(chunks[0].text) == [
        "Account managers handle: Developing travel estimates and obtaining approvals",
        "Maintaining partner relationships",
        "[Next to Complete your profile >](https://example.gov/next)",
        "A travel card will help you pay for lodging and taxis while on your trip.",
    ]
