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
