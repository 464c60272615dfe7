"""The Data Docs page view DramaTrack builds its validation pages with: GX's own, with data escaped.

GX 1.x renders table cells (the "unexpected values" tables among them) as raw HTML: its Jinja templates are
``.j2`` files, outside ``select_autoescape(["html", "xml"])``, and plain-string cells pass through
``render_content_block`` untouched. A scraped app name such as ``<script>…</script>`` would therefore run
in the browser of whoever opens the docs after an alert. This view escapes every plain string and list item
that reaches ``render_content_block``; GX's own markup comes as content blocks and string templates (which
GX escapes itself), so it is rendered as before.
"""

from __future__ import annotations

import html
from typing import Any

try:  # jinja2 >= 3
    from jinja2 import pass_context
except ImportError:  # pragma: no cover - jinja2 2.x
    from jinja2 import contextfilter as pass_context  # type: ignore[attr-defined,no-redef]

from great_expectations.render.view import DefaultJinjaPageView


def _escaped(value: Any) -> Any:
    return html.escape(value, quote=True) if isinstance(value, str) else value


class EscapingJinjaPageView(DefaultJinjaPageView):
    """``DefaultJinjaPageView`` that HTML-escapes plain-string content (values from the data)."""

    @pass_context
    def render_content_block(self, jinja_context: Any, content_block: Any, index: Any = None,
                             content_block_id: Any = None, render_to_markdown: bool = False) -> Any:
        if not render_to_markdown:
            if isinstance(content_block, str):
                return _escaped(content_block)
            if isinstance(content_block, list):
                content_block = [_escaped(item) for item in content_block]
        return super().render_content_block(jinja_context, content_block, index=index,
                                            content_block_id=content_block_id,
                                            render_to_markdown=render_to_markdown)
