"""Jinja2 templates (``dramatrack/templates``) for the HTML the project writes: the report page, alert emails.

Autoescaped: every value is escaped unless it is :class:`markupsafe.Markup` (the project's own CSS, scripts and
JSON-escaped chart specs). Values are escaped with :func:`html.escape` (``&quot;``, ``&#x27;``), and ``None``
renders as nothing.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def escape_html(value: Any) -> str:
    """A value as HTML text: ``html.escape`` (quotes too); ``None`` is the empty string."""
    return "" if value is None else html.escape(str(value), quote=True)


def _finalize(value: Any) -> Any:
    return value if isinstance(value, Markup) else Markup(escape_html(value))


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True, finalize=_finalize,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render(name: str, **context: Any) -> str:
    """Render ``dramatrack/templates/<name>`` with ``context``."""
    return environment().get_template(name).render(**context)
