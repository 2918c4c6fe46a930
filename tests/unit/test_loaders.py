"""Every supported format becomes Markdown with its headings; unreadable files raise a clear reason."""
from pathlib import Path

import docx
import pytest

from retrieval import UnreadableDocument, load_document
from tests.support.fakes import minimal_pdf

pytestmark = pytest.mark.unit


def test_markdown_front_matter_becomes_metadata(tmp_path: Path):
    path = tmp_path / "c.md"
    path.write_text("---\nid: c1\ntitle: Course One\nskills: [a, b]\n---\n# Course One\n\n## Part\n\nBody text here.\n")
    doc = load_document(path)
    assert doc.title == "Course One"
    assert doc.course_id == "c1"
    assert doc.metadata["skills"] == ["a", "b"]
    assert doc.text.lstrip().startswith("# Course One")


def test_malformed_front_matter_is_reported(tmp_path: Path):
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: [unclosed\n---\n# X\n\ntext\n")
    with pytest.raises(UnreadableDocument, match="front matter"):
        load_document(path)


def test_html_headings_are_kept(tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_text("<html><head><title>Guide</title><script>x=1</script></head><body><h1>Guide</h1>"
                    "<h2>Reporting</h2><p>Forward the email to security.</p><ul><li>Do not click</li></ul></body></html>")
    doc = load_document(path)
    assert doc.title == "Guide"
    assert "## Reporting" in doc.text and "- Do not click" in doc.text and "x=1" not in doc.text


def test_docx_heading_styles_become_markdown(tmp_path: Path):
    document = docx.Document()
    document.add_heading("Expenses", level=1)
    document.add_heading("Receipts", level=2)
    document.add_paragraph("Keep every receipt for seven years.")
    path = tmp_path / "expenses.docx"
    document.save(path)
    doc = load_document(path)
    assert "# Expenses" in doc.text and "## Receipts" in doc.text
    assert "seven years" in doc.text


def test_pdf_text_is_extracted_by_page(tmp_path: Path):
    path = tmp_path / "policy.pdf"
    path.write_bytes(minimal_pdf(["Travel policy", "Book flights through the portal."]))
    doc = load_document(path)
    assert "## Page 1" in doc.text and "Book flights through the portal." in doc.text


def test_pdf_and_text_lines_wrapped_mid_sentence_are_joined(tmp_path: Path):
    path = tmp_path / "policy.pdf"
    path.write_bytes(minimal_pdf(["Travel policy:", "Book flights through the", "portal at least two weeks", "ahead.", "Keep receipts."]))
    assert "Travel policy:\nBook flights through the portal at least two weeks ahead.\nKeep receipts." in load_document(path).text
    note = tmp_path / "note.txt"
    note.write_bytes(b"Report a lost laptop to the\r\nservice desk within one hour.\r\n\r\n- Call them\r\n- Email them\r\n")
    assert load_document(note).text == "Report a lost laptop to the service desk within one hour.\n\n- Call them\n- Email them\n"


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
        ("empty.md", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02binary\x00", "binary"),
        ("latin1.txt", "caf\xe9".encode("latin-1") * 10, "UTF-8"),
        ("notes.xyz", b"hello", "unsupported"),
    ],
)
def test_unreadable_files_raise_with_a_reason(tmp_path: Path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableDocument) as info:
        load_document(path)
    assert reason.lower() in info.value.reason.lower()


def test_markdown_text_is_cleaned_where_it_is_loaded(tmp_path: Path):
    path = tmp_path / "leave.md"
    path.write_text("---\ntitle: Leave\nurl: https://hb.example.gov/leave/\n---\n{% include \"x.html\" %}\n"
                    "## Annual leave\n\nAsk **your supervisor** first; see [the form](forms/#annual).\n")
    doc = load_document(path)
    assert doc.text == "## Annual leave\n\nAsk your supervisor first; see [the form](https://hb.example.gov/leave/forms/#annual).\n"


def test_source_is_relative_to_the_ingested_folder_and_ids_unique_by_path(tmp_path: Path):
    for name in ("benefits/index.md", "benefits/leave.md", "travel/index.md", "Travel Guide/Per Diem_Rates.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("## Part\n\nSome text about the topic.\n")
    docs = {name: load_document(tmp_path / name, tmp_path) for name in
            ("benefits/index.md", "benefits/leave.md", "travel/index.md", "Travel Guide/Per Diem_Rates.md")}
    assert {name: d.path for name, d in docs.items()} == {name: name for name in docs}
    assert [d.course_id for d in docs.values()] == ["benefits", "benefits/leave", "travel", "travel-guide/per-diem-rates"]
    assert load_document(tmp_path / "benefits/leave.md").path == "leave.md"  # a single file: its name
    (tmp_path / "own.md").write_text("---\nid: Leave-101\n---\n## Part\n\nText about leave.\n")
    own = load_document(tmp_path / "own.md", tmp_path)
    assert own.course_id == "Leave-101" and "id" not in own.derived


def test_missing_metadata_is_derived_and_recorded(tmp_path: Path):
    path = tmp_path / "onboarding.md"
    body = " ".join(["word"] * 450)
    path.write_text(f"# Onboarding guide\n\n## First day\n\n{body}\n\n## Resources\n\nLinks.\n\n## Your **laptop**\n\nSet it up.\n")
    doc = load_document(path, tmp_path)
    assert doc.title == "Onboarding guide"
    assert doc.metadata["skills"] == ["first-day", "your-laptop"]  # "Resources" names a kind of section, not a skill
    assert doc.metadata["duration_minutes"] == 3  # about 460 words at 200 a minute
    assert set(doc.derived) == {"id", "title", "skills", "duration_minutes"}
    assert "first heading" in doc.derived["title"] and "words" in doc.derived["duration_minutes"]
    assert doc.metadata["derived"] == sorted(doc.derived)


def test_front_matter_without_skills_keeps_what_it_declares(tmp_path: Path):
    path = tmp_path / "expenses.md"
    path.write_text("---\nid: expenses\ntitle: Expenses\nduration: 1.5 h\n---\n# Expenses\n\nKeep receipts.\n\n"
                    "# Claims\n\nClaim within 30 days.\n")
    doc = load_document(path, tmp_path)
    assert doc.title == "Expenses" and doc.course_id == "expenses"
    assert doc.metadata["skills"] == ["expenses", "claims"]  # no ## headings: the # ones
    assert doc.metadata["duration_minutes"] == 90
    assert set(doc.derived) == {"skills"}


def test_skills_are_a_handful_and_short_files_take_a_minute(tmp_path: Path):
    many = tmp_path / "many.md"
    many.write_text("".join(f"## Topic {i}\n\nText.\n\n" for i in range(9)))
    assert load_document(many).metadata["skills"] == [f"topic-{i}" for i in range(5)]
    bare = tmp_path / "short-note.txt"
    bare.write_text("Lock your screen.")
    doc = load_document(bare)
    assert doc.title == "Short note" and doc.metadata["skills"] == ["short-note"]
    assert doc.metadata["duration_minutes"] == 1 and "file name" in doc.derived["title"]
