"""Course Markdown made plain before it is chunked, and links rendered for each channel.

`clean_markdown` removes what a site generator or a Markdown renderer would have consumed: Liquid/Jekyll tags
(`{% … %}`, `{{ … }}`; what `{% raw %}` protects is kept as text), kramdown attribute lists (`{: .class}`),
HTML comments and tags (their text is kept, `<a href>` becomes a link), emphasis markers and images. Tables
become one sentence per row. Links are kept in one neutral form, `[text](absolute-url)`: relative links are
resolved against the document's URL, and a link that cannot be made absolute keeps only its text. What comes
out is what gets embedded, searched and quoted.

Channels turn the neutral form into what they show (messages.render_links).
"""
from __future__ import annotations

import html
import re
from urllib.parse import urljoin

from .tables import html_table_sentences, markdown_table_sentences


# Placeholders for text that later passes must not touch (code, finished links): private-use characters.
_OPEN, _CLOSE = "\ue000", "\ue001"
_TOKEN = re.compile(f"{_OPEN}(\\d+){_CLOSE}")

# --- site templates (Liquid / Jekyll / 11ty) and kramdown -------------------------------------------------
_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.S)
_LIQUID_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ARG = r"""\s*(?:"([^"]*)"|'([^']*)')"""
_URL_TAG = re.compile(r"\{%-?\s*(?:page|link|post_url)" + _ARG + r"[^%]*?-?%\}", re.S)  # expands to a site URL
_SLACK_TAG = re.compile(r"\{%-?\s*slack_channel" + _ARG + r"[^%]*?-?%\}", re.S)  # expands to a channel link
_ALERT_TAG = re.compile(r"\{%-?\s*alert" + _ARG + r"[^%]*?-?%\}", re.S)  # an alert box with its heading
_LIQUID_STRING = re.compile(r"\{\{-?" + _ARG + r"\s*-?\}\}")  # outputs a string literal, e.g. {{ "{% x %}" }}
_LIQUID_TAG = re.compile(r"\{%.*?%\}", re.S)
_LIQUID_OUTPUT = re.compile(r"\{\{.*?\}\}", re.S)
_KRAMDOWN_LINE = re.compile(r"^[ \t]*\{:[^}\n]*\}[ \t]*\n?", re.M)
_KRAMDOWN = re.compile(r"[ \t]*\{:[^}\n]*\}")
_HEADING_ID = re.compile(r"[ \t]*\{#[\w:.\-]+\}")

# --- HTML -----------------------------------------------------------------------------------------------
_SCRIPT = re.compile(r"<(script|style|noscript)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_HTML_TABLE = re.compile(r"<table\b.*?</table\s*>", re.S | re.I)
_ANCHOR = re.compile(r"<a\b([^>]*)>(.*?)</a\s*>", re.S | re.I)
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_HTML_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1\s*>", re.S | re.I)
_BR = re.compile(r"<br\s*/?>", re.I)
_LI = re.compile(r"<li\b[^>]*>", re.I)
_BLOCK_TAGS = ("address|article|aside|blockquote|center|dd|details|dialog|div|dl|dt|fieldset|figcaption|figure|footer|"
               "form|header|hr|li|main|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|tr|ul")
_INLINE_TAGS = ("a|abbr|b|bdi|bdo|big|button|cite|code|del|dfn|em|font|i|iframe|img|input|ins|kbd|label|mark|meter|"
                "object|option|picture|q|s|samp|select|small|source|span|strike|strong|sub|sup|svg|textarea|time|"
                "tt|u|var|video|wbr|path|use|h[1-6]")
_BLOCK_TAG = re.compile(rf"</?(?:{_BLOCK_TAGS})(?=[\s/>])[^>]*>", re.I)
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE_TAGS})(?=[\s/>])[^>]*>", re.I)

# --- Markdown -------------------------------------------------------------------------------------------
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?=\S)((?:[^`\n]|\n(?![ \t]*\n))+?)\1(?!`)")
_REF_DEF = re.compile(r"""^[ \t]{0,3}\[([^\]^][^\]]*)\]:[ \t]*<?([^\s>]+)>?(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*(?:\n|$)""", re.M)
_FOOTNOTE_DEF = re.compile(r"^[ \t]{0,3}\[\^[^\]]+\]:[ \t]*", re.M)
_FOOTNOTE_REF = re.compile(r"\[\^[^\]]+\]")
_LABEL = r"((?:[^\[\]\n]|\n(?![ \t]*\n)|\[[^\[\]]*\])*)"  # link text: one level of brackets, within a paragraph
_IMAGE = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])")
# An escaped opening bracket (`\[text](url)`) is still taken as the link its author meant; a mailto: address may
# hold spaces (`?subject=Security Incident`).
_INLINE_LINK = re.compile(r"\\?\[" + _LABEL + r"""\](?:[ \t]*\n[ \t]*)?\(\s*<?(mailto:[^()<>\n]+?|(?:[^\s()<>]|\([^\s()]*\))*)>?(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)""")
_REF_LINK = re.compile(r"(?<!\\)\[" + _LABEL + r"\][ \t]?\[([^\]]*)\]")
_SHORTCUT_LINK = re.compile(r"(?<![\\\]])\[([^\[\]\n]+)\](?![(\[:])")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]+|mailto:[^\s<>]+|[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+)>")
_ATX_HEADING = re.compile(r"^([ \t]{0,3}#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.M)
_SETEXT = re.compile(r"^([^\n#>|\-*+ \t][^\n]*)\n[ \t]{0,3}(={3,}|-{3,})[ \t]*$", re.M)
_RULE = re.compile(r"^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.M)
_EMPTY_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]*$", re.M)
_QUOTE = re.compile(r"^(?:[ \t]{0,3}>[ \t]?)+", re.M)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
_SPAN = r"((?:[^\n]|\n(?![ \t]*\n))+?)"  # emphasis stays within a paragraph
_EMPHASIS = [
    re.compile(r"\*\*\*(?=\S)" + _SPAN + r"(?<=\S)\*\*\*"),
    re.compile(r"\*\*(?=\S)" + _SPAN + r"(?<=\S)\*\*"),
    re.compile(r"(?<![\w\\])__(?=\S)" + _SPAN + r"(?<=\S)__(?!\w)"),
    re.compile(r"~~(?=\S)" + _SPAN + r"(?<=\S)~~"),
    re.compile(r"(?<![\w*\\])\*(?=[^\s*])" + _SPAN + r"(?<=[^\s*\\])\*(?![\w*])"),
    re.compile(r"(?<![\w\\])_(?=[^\s_])" + _SPAN + r"(?<=[^\s_\\])_(?!\w)"),
]
_STRAY_STRONG = re.compile(r"(?<!\\)\*\*+|(?<![\w\\])__+(?!\w)")

# The neutral link form, with an absolute URL (what clean_markdown writes and messages.render_links reads).
_ABSOLUTE = re.compile(r"^(?:https?|ftp)://\S+$|^(?:mailto|tel):\S+$", re.I)
_NEUTRAL_LINK = re.compile(r"\[([^\[\]\n]+)\]\(((?:https?|ftp)://[^\s()]*(?:\([^\s()]*\)[^\s()]*)*|(?:mailto|tel):[^\s()]+)\)", re.I)
_ANY_LINK = re.compile(r"\[([^\[\]\n]*)\]\(([^()\s]*(?:\([^\s()]*\)[^\s()]*)*)\)")


class _Vault:
    """Holds finished pieces of text behind placeholders so later passes leave them alone."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def put(self, text: str) -> str:
        self.items.append(text)
        return f"{_OPEN}{len(self.items) - 1}{_CLOSE}"

    def restore(self, text: str, as_text: bool = False) -> str:
        for _ in range(8):  # placeholders may hold placeholders (a code span inside a link's text)
            if _OPEN not in text:
                break
            text = _TOKEN.sub(lambda m: self._value(int(m.group(1)), as_text), text)
        return text

    def _value(self, index: int, as_text: bool) -> str:
        value = self.items[index]
        return _NEUTRAL_LINK.sub(r"\1", value) if as_text else value


def resolve_url(url: str, base_url: str = "") -> str | None:
    """`url` made absolute, or None when it cannot be (a relative link in a document without a URL)."""
    url = url.strip()
    if not url:
        return None
    if _ABSOLUTE.match(url):
        return url
    if url.startswith("//"):
        return "https:" + url
    if re.match(r"^[\w.+\-]+@[\w\-]+(\.[\w\-]+)+$", url):
        return "mailto:" + url
    if re.match(r"^[a-z][a-z0-9+.\-]*:", url, re.I):  # another scheme (javascript:, data:, file:): not a link to keep
        return None
    if base_url and re.match(r"^https?://", base_url, re.I):
        return urljoin(base_url, url)
    return None


def clean_markdown(text: str, base_url: str = "") -> str:
    """Markdown (with site-template tags and HTML) as plain text with `#` headings, sentences for table rows and
    neutral `[text](absolute-url)` links; relative links resolve against `base_url` or keep only their text."""
    vault = _Vault()
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(_OPEN, "").replace(_CLOSE, "")
    text = _template_tags(text)
    text = _protect_code_blocks(text, vault)
    text = _CODE_SPAN.sub(lambda m: vault.put(m.group(0)), text)
    text = _KRAMDOWN_LINE.sub("", text)
    text = _KRAMDOWN.sub("", text)
    text = _HEADING_ID.sub("", text)
    text = _html_to_markdown(text)
    text = _links(text, base_url, vault)
    text = _strip_emphasis_markers(text)
    text = markdown_table_sentences(text)
    text = _blocks(text)
    text = _ESCAPE.sub(r"\1", text)
    text = html.unescape(text)
    text = _headings_without_links(text, vault)
    text = join_wrapped_lines(vault.restore(text))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


# A line that starts a block of its own: a heading (not a "#channel"), a list item, a table row, a quote, a
# template tag, an HTML tag.
_BLOCK_START = re.compile(r"^\s*(?:#{1,6}(?:\s|$)|[-*+•]\s|\d{1,3}[.)]\s|\||>|\{%|<)")
# A line that ends a sentence or a lead-in, in English or Chinese.
_ENDS_SENTENCE = re.compile(r"(?:[.!?…。！？][\"”’)\]]*|[:：])\s*$")
_CODE_FENCE = re.compile(r"^\s*(```|~~~)")
_HAN_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def link_labels(text: str) -> str:
    """`text` with each neutral link `[label](address)` as its label alone: what the sentence says, without the
    address, which can be longer than the sentence and says nothing a reader of the text would read."""
    return _NEUTRAL_LINK.sub(r"\1", text)


def only_links(text: str) -> bool:
    """Whether `text` is nothing but links ("[Instructions for applying for a GSA Travel Card](https://…)"): it
    names a page and states nothing."""
    rest = _NEUTRAL_LINK.sub(" ", text)
    return rest != text and len(re.findall(r"\w+", rest)) < 2


def join_wrapped_lines(text: str) -> str:
    """Lines wrapped in the middle of a sentence (hard-wrapped Markdown, text exported from PDF) joined back into
    one line, so that no passage is cut and no quote starts mid-sentence at a line break. A line break stays where
    the line ends a sentence or a lead-in, or the next line starts a block of its own (heading, list item, table
    row), and code blocks are left as they are: every line break left is one a reader of the page sees."""
    out: list[str] = []
    in_code = joinable = False
    for line in text.split("\n"):
        if _CODE_FENCE.match(line):
            in_code = not in_code
            out.append(line)
            joinable = False
            continue
        previous = out[-1] if out else ""
        if (joinable and not in_code and line.strip() and not _ENDS_SENTENCE.search(previous)
                and not previous.endswith("  ") and not _BLOCK_START.match(line)):
            tail, head = previous.rstrip(), line.strip()
            glue = "" if _HAN_CHAR.match(head) and _HAN_CHAR.search(tail[-1:]) else " "
            out[-1] = f"{tail}{glue}{head}"
        else:
            out.append(line)
            joinable = not in_code and bool(line.strip()) and not line.lstrip().startswith("#")
    return "\n".join(out)


def strip_emphasis(text: str) -> str:
    """Text without Markdown emphasis markers (`**bold**`, `*italic*`, `_italic_`, `~~struck~~`); links and code
    spans are left as they are."""
    vault = _Vault()
    text = _CODE_SPAN.sub(lambda m: vault.put(m.group(0)), text)
    text = _ANY_LINK.sub(lambda m: vault.put(m.group(0)), text)
    return vault.restore(_strip_emphasis_markers(text))


# --- the passes of clean_markdown, in order --------------------------------------------------------------

def _template_tags(text: str) -> str:
    """Liquid/Jekyll: comments and tags removed; shortcodes that stand for a URL or a channel name kept as such."""
    raw = _Vault()
    text = _RAW.sub(lambda m: raw.put(m.group(1)), text)
    text = _LIQUID_STRING.sub(lambda m: raw.put(_argument(m)), text)
    text = _LIQUID_COMMENT.sub("", text)
    text = _HTML_COMMENT.sub("", text)
    text = _URL_TAG.sub(_argument, text)
    text = _SLACK_TAG.sub(lambda m: "#" + _argument(m).lstrip("#"), text)
    text = _ALERT_TAG.sub(lambda m: f"\n\n{_argument(m)}\n\n" if _argument(m) else "", text)
    text = _LIQUID_TAG.sub("", text)
    text = _LIQUID_OUTPUT.sub("", text)
    return raw.restore(text)


def _argument(match: re.Match) -> str:
    """The first quoted argument of a shortcode."""
    return (match.group(1) if match.group(1) is not None else match.group(2) or "").strip()


def _protect_code_blocks(text: str, vault: _Vault) -> str:
    """Fenced code blocks kept verbatim, fences included (the heading splitter knows to skip them)."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        fence = match.group(1)
        end = i + 1
        while end < len(lines) and not lines[end].lstrip().startswith(fence):
            end += 1
        block = "\n".join(lines[i:end + 1])
        out.append(vault.put(block))
        i = end + 1
    return "\n".join(out)


def _html_to_markdown(text: str) -> str:
    """HTML inside Markdown: headings to `#` lines, links to Markdown links, tables to sentences, tags to text."""
    if "<" not in text:
        return text
    text = _SCRIPT.sub("", text)
    text = _ANCHOR.sub(_anchor_to_markdown, text)
    text = _HTML_TABLE.sub(lambda m: "\n\n" + "\n\n".join(html_table_sentences(m.group(0))) + "\n\n", text)
    text = _HTML_HEADING.sub(lambda m: f"\n\n{'#' * int(m.group(1))} {_tag_text(m.group(2))}\n\n", text)
    text = "\n".join(_BR.sub(", " if "|" in line else "\n", line) for line in text.split("\n"))  # a table row stays one line
    text = _LI.sub("\n- ", text)
    text = _BLOCK_TAG.sub("\n", text)
    text = _INLINE_TAG.sub("", text)
    # Lines that held only tags (often indented inside a <div>) are blank now.
    return re.sub(r"^[ \t]+$", "", text, flags=re.M)


def _anchor_to_markdown(match: re.Match) -> str:
    href = _HREF.search(match.group(1))
    label = _tag_text(match.group(2))
    if not href:
        return label
    url = next(g for g in href.groups() if g is not None)
    return f"[{label}]({html.unescape(url)})" if label else ""


def _tag_text(fragment: str) -> str:
    return " ".join(_INLINE_TAG.sub("", _BLOCK_TAG.sub(" ", _BR.sub(" ", fragment))).split())


def _links(text: str, base_url: str, vault: _Vault) -> str:
    """Images dropped; inline, reference and auto links turned into neutral links (or their text) and vaulted."""
    definitions: dict[str, str] = {}

    def define(match: re.Match) -> str:
        definitions.setdefault(_normal_label(match.group(1)), match.group(2))
        return ""

    text = _REF_DEF.sub(define, text)
    text = _FOOTNOTE_DEF.sub("", text)
    text = _FOOTNOTE_REF.sub("", text)
    text = _IMAGE.sub("", text)

    def neutral(label: str, url: str | None) -> str:
        label = " ".join(_ESCAPE.sub(r"\1", _strip_emphasis_markers(label)).split())
        label = label.replace("[", "(").replace("]", ")")  # the neutral form's text holds no brackets
        resolved = resolve_url(url.replace(" ", "%20"), base_url) if url is not None else None
        if not resolved:
            return label
        return vault.put(f"[{label or resolved}]({resolved})")

    text = _INLINE_LINK.sub(lambda m: neutral(m.group(1), m.group(2)), text)
    text = _REF_LINK.sub(lambda m: neutral(m.group(1), definitions.get(_normal_label(m.group(2) or m.group(1)))), text)
    if definitions:  # `[label]` alone is a link only when a definition names it
        def shortcut(m: re.Match) -> str:
            url = definitions.get(_normal_label(m.group(1)))
            return neutral(m.group(1), url) if url is not None else m.group(0)

        text = _SHORTCUT_LINK.sub(shortcut, text)
    return _AUTOLINK.sub(lambda m: m.group(1).removeprefix("mailto:"), text)


def _normal_label(label: str) -> str:
    return " ".join(label.lower().split())


def _strip_emphasis_markers(text: str) -> str:
    for _ in range(2):  # nested emphasis (***both***, **bold _and italic_**)
        for pattern in _EMPHASIS:
            text = pattern.sub(r"\1", text)
    return _STRAY_STRONG.sub("", text)


def _blocks(text: str) -> str:
    """Setext headings to `#` headings; rules and blockquote markers removed."""
    text = _SETEXT.sub(lambda m: f"{'#' if m.group(2)[0] == '=' else '##'} {m.group(1).strip()}", text)
    text = _RULE.sub("", text)
    text = _EMPTY_ITEM.sub("", text)  # list items that held only an image or a template tag
    return _QUOTE.sub("", text)


def _headings_without_links(text: str, vault: _Vault) -> str:
    """Headings name sections: their links become text, closing `#`s go."""
    return _ATX_HEADING.sub(lambda m: f"{m.group(1).strip()} {' '.join(vault.restore(m.group(2), as_text=True).split())}", text)
