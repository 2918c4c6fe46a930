"""Course Markdown is made plain before chunking: template tags, HTML and emphasis go, tables become sentences,
links stay in one neutral form that each channel renders its own way."""
import pytest

from messages import render_links
from retrieval.markup import clean_markdown, resolve_url, strip_emphasis

pytestmark = pytest.mark.unit
BASE = "https://handbook.example.gov/benefits/leave/"


def test_links_become_neutral_and_relative_ones_resolve_against_the_document_url():
    text = clean_markdown(
        "Read [the leave policy](https://opm.gov/leave_policy_2024) and [sick leave](../sick/#rules),\n"
        "[root page](/travel/) or [this section](#annual). Mail [HR](mailto:hr@example.gov).\n",
        BASE,
    )
    assert "[the leave policy](https://opm.gov/leave_policy_2024)" in text  # underscores in URLs untouched
    assert "[sick leave](https://handbook.example.gov/benefits/sick/#rules)" in text
    assert "[root page](https://handbook.example.gov/travel/)" in text
    assert "[this section](https://handbook.example.gov/benefits/leave/#annual)" in text
    assert "[HR](mailto:hr@example.gov)" in text


def test_links_that_cannot_be_made_absolute_keep_only_their_text():
    text = clean_markdown("See [sick leave](../sick/) and [the form](javascript:void(0)) or [nothing]().\n")
    assert text.strip() == "See sick leave and the form or nothing."


def test_reference_links_autolinks_and_images():
    text = clean_markdown(
        "Book with [the travel portal][portal] or [Concur][]. Questions: <travel@example.gov>, <https://travel.example.gov>.\n"
        "![a screenshot](img/screen.png)\n\n"
        "[portal]: https://portal.example.gov \"Portal\"\n[concur]: https://concur.example.gov\n"
    )
    assert "[the travel portal](https://portal.example.gov)" in text
    assert "[Concur](https://concur.example.gov)" in text
    assert "travel@example.gov, https://travel.example.gov." in text
    assert "screenshot" not in text and "portal]:" not in text


def test_liquid_and_jekyll_tags_are_removed_and_raw_content_kept():
    text = clean_markdown(
        "{% include \"low-system.html\" %}\nVisit [the guide]({{ site.baseurl }}/guide/) or "
        "[the FAQ]({% page \"/travel-faq/\" %}).\n"
        "Ask in {% slack_channel \"travel\" %}.\n"
        "{% comment %}Internal note: do not publish.{% endcomment %}\n"
        "Template syntax: {% raw %}{{ page.title }} and {% include x %}{% endraw %}.\n"
        "{% alert \"Updated guidance\" %}\nBook early.\n{% endalert %}\n",
        "https://handbook.example.gov/travel/",
    )
    assert "[the guide](https://handbook.example.gov/guide/)" in text
    assert "[the FAQ](https://handbook.example.gov/travel-faq/)" in text
    assert "Ask in #travel." in text
    assert "Internal note" not in text and "low-system" not in text
    assert "Template syntax: {{ page.title }} and {% include x %}." in text
    assert "Updated guidance" in text and "Book early." in text and "endalert" not in text


def test_kramdown_attributes_heading_ids_and_html_comments_are_removed():
    text = clean_markdown("## Annual leave {#annual}\n\n- Item one\n{: .usa-list}\n\nText{:.lead} here.<!-- TODO: check -->\n")
    assert text == "## Annual leave\n\n- Item one\n\nText here.\n"


def test_html_becomes_text_with_links_and_headings_kept():
    text = clean_markdown(
        '<div class="usa-accordion" markdown=1>\n<h3 class="heading">\n  <button type="button">\n    Step 1: Join\n  </button>\n</h3>\n'
        '<p>Contact <a href="https://gsa.gov/contact">the <strong>help desk</strong></a> or <em>your lead</em>.<br/>Then wait.</p>\n'
        "<details><summary>More</summary>Use <project name> as the prefix.</details>\n</div>\n"
    )
    assert "### Step 1: Join" in text
    assert "Contact [the help desk](https://gsa.gov/contact) or your lead." in text
    assert "Then wait." in text and "<" + "p>" not in text and "button" not in text
    assert "Use <project name> as the prefix." in text  # not an HTML tag: kept


def test_emphasis_markers_go_and_code_keeps_its_text():
    text = clean_markdown(
        "Use **strong passphrases**, *never* reuse them, __ever__, _really_ ~~maybe~~.\n"
        "Keep `snake_case_names` and `**kwargs` as they are; file_name_here is a word.\n\n"
        "```python\nprint('**not bold**')\n```\n"
    )
    assert "Use strong passphrases, never reuse them, ever, really maybe." in text
    assert "`snake_case_names` and `**kwargs`" in text and "file_name_here" in text
    assert "print('**not bold**')" in text


def test_markdown_table_rows_become_sentences_in_place():
    text = clean_markdown(
        "## Levels\n\nPay by level:\n\n"
        "| Level | Title | Salary | Notes |\n| --- | :---: | ---: | --- |\n"
        "| **Junior** | [Engineer](https://x.gov/eng) | GS-11 | |\n| Senior | Lead \\| Staff | GS-14 | Remote ok. |\n\n"
        "After the table.\n"
    )
    assert "Junior — Title: [Engineer](https://x.gov/eng); Salary: GS-11." in text
    assert "Senior — Title: Lead | Staff; Salary: GS-14; Notes: Remote ok." in text
    assert text.index("## Levels") < text.index("Junior") < text.index("After the table.")
    assert "---" not in text and "| Level" not in text


def test_html_tables_and_reflowed_tables_become_sentences():
    text = clean_markdown(
        '<table><tr><td><strong>Location</strong></td><td>1800 F St<br/>Washington</td></tr>'
        '<tr><td>Contact</td><td><a href="mailto:dc@gsa.gov">DC office</a></td></tr></table>\n\n'
        "<table><tr><th>Role</th><th>Duty</th></tr><tr><td>CO</td><td>Signs</td></tr></table>\n\n"
        "|---|---| |**TO:**|Acquisition office| |**FROM:**|Esther\nPraske| |DATE:|2018|\n"
    )
    assert "Location — 1800 F St Washington." in text
    assert "Contact — [DC office](mailto:dc@gsa.gov)." in text
    assert "CO — Duty: Signs." in text
    assert "TO — Acquisition office." in text and "FROM — Esther Praske." in text and "DATE — 2018." in text
    assert "|" not in text


@pytest.mark.parametrize("style, expected", [
    ("markdown", "See the [leave policy](https://opm.gov/leave) or [HR](mailto:hr@x.gov) & ask."),
    ("slack", "See the <https://opm.gov/leave|leave policy> or <mailto:hr@x.gov|HR> &amp; ask."),
    ("plain", "See the leave policy (https://opm.gov/leave) or HR (hr@x.gov) & ask."),
])
def test_render_links_in_each_style(style, expected):
    assert render_links("See the **[leave policy](https://opm.gov/leave)** or [HR](mailto:hr@x.gov) & ask.", style) == expected


def test_render_links_shows_an_address_once_and_drops_links_it_cannot_follow():
    text = "Go to [https://gsa.gov](https://gsa.gov), mail [a@x.gov](mailto:a@x.gov), see [notes](notes.md) <now>."
    assert render_links(text, "plain") == "Go to https://gsa.gov, mail a@x.gov, see notes <now>."
    assert render_links(text, "slack") == "Go to <https://gsa.gov>, mail <mailto:a@x.gov|a@x.gov>, see notes &lt;now&gt;."
    assert render_links("[a | b](https://x.gov)", "slack") == "<https://x.gov|a / b>"
    with pytest.raises(ValueError):
        render_links("x", "html")


def test_strip_emphasis_and_resolve_url_helpers():
    assert (strip_emphasis("**Bold** and _it_ with [a_b](https://x.gov/a_b_c) and `__x__`")
            == "Bold and it with [a_b](https://x.gov/a_b_c) and `__x__`")
    assert resolve_url("//cdn.example.gov/a") == "https://cdn.example.gov/a"
    assert resolve_url("people@example.gov") == "mailto:people@example.gov"
    assert resolve_url("/a", "file:///srv/site") is None


def test_lines_wrapped_mid_sentence_are_joined_and_real_breaks_kept():
    text = clean_markdown(
        "## Meals\n\n"
        "- M&IE is given as a reimbursement after submitting a voucher. How it is paid depends on\n"
        "  how much you used the [travel card](https://x.gov/card)\n"
        "  during the trip.\n"
        "- You may use your travel card to get a\n"
        "  cash advance.\n\n"
        "Keep receipts for:\n"
        "lodging and airfare.\n"
        "Every night must be\n"
        "booked in Concur.\n"
        "1. First step\n"
        "2. Second step\n\n"
        "```\nrun this\nand this\n```\n"
        "| Day | Hours |\n| --- | --- |\n| Monday | 5 |\n\n"
        "出差期间的住宿\n费用可以报销。\n"
    )
    assert ("- M&IE is given as a reimbursement after submitting a voucher. How it is paid depends on how much you "
            "used the [travel card](https://x.gov/card) during the trip.\n- You may use your travel card to get a cash "
            "advance.\n") in text
    assert "Keep receipts for:\nlodging and airfare.\nEvery night must be booked in Concur.\n1. First step\n2. Second step" in text
    assert "```\nrun this\nand this\n```" in text and "Monday — Hours: 5." in text
    assert "出差期间的住宿费用可以报销。" in text


def test_a_slack_channel_or_a_semicolon_at_a_line_break_does_not_keep_the_break():
    text = clean_markdown("When you are done, let us know in the\n#acquisitions channel and check with your lead;\n"
                          "they will tell you what can be shared.\n\n# Heading\n\nText.\n")
    assert ("When you are done, let us know in the #acquisitions channel and check with your lead; they will tell you "
            "what can be shared.\n") in text
    assert "\n# Heading\n" in text
