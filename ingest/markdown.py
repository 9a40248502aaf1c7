"""Markdown to blocks through markdown-it-py (CommonMark): link text kept, markup gone.

`**gravity hill**` becomes "gravity hill", `[illusion](https://...)` becomes
"illusion", headings become section metadata (`ingest.blocks`), code and
images are left out, and a paragraph that is nothing but a link (a "List
of gravity hills" line) is navigation, not evidence.
"""

from __future__ import annotations

from ingest.blocks import HEADING, PARAGRAPH, Block

_SKIPPED_INLINE = {"image", "html_inline"}


def _inline_text(token: object) -> tuple[str, bool]:
    """(plain text of an inline token, whether it is only a link)."""
    parts: list[str] = []
    link_depth = 0
    outside_link = ""
    for child in token.children or []:
        kind = child.type
        if kind == "link_open":
            link_depth += 1
        elif kind == "link_close":
            link_depth -= 1
        elif kind in ("text", "code_inline"):
            parts.append(child.content)
            if not link_depth:
                outside_link += child.content
        elif kind == "softbreak":
            parts.append("\n")
        elif kind == "hardbreak":
            parts.append("\n")
        elif kind in _SKIPPED_INLINE:
            continue
    text = "".join(parts)
    only_link = bool(text.strip()) and not outside_link.strip(" \t\n*-–—:;,.")
    return text, only_link


def markdown_blocks(raw: str) -> tuple[list[Block], str]:
    """(blocks, title): the first level-1 heading is the title."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(raw)
    blocks: list[Block] = []
    title = ""
    heading_level = 0
    in_table = 0
    for _i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            heading_level = int(tok.tag[1])
        elif tok.type == "heading_close":
            heading_level = 0
        elif tok.type in ("table_open", "table_close"):
            in_table += 1 if tok.type == "table_open" else -1
        elif tok.type == "inline" and not in_table:
            text, only_link = _inline_text(tok)
            if heading_level:
                if heading_level == 1 and not title and not blocks:
                    title = " ".join(text.split())
                else:
                    blocks.append(Block(HEADING, text, level=heading_level))
            elif not only_link:
                blocks.append(Block(PARAGRAPH, text))
    return blocks, title
