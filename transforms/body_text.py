"""Decoding a response body for a parser: bytes → text or JSON, or the source's ``ParseError``."""

from __future__ import annotations

import json
from typing import Any

from transforms.errors import ParseError


def body_text(body: bytes | bytearray | memoryview, source: str) -> str:
    """The body decoded as UTF-8 (a BOM is dropped); ``ParseError`` if it is not bytes, not UTF-8 or blank."""
    if not isinstance(body, bytes | bytearray | memoryview):
        raise ParseError(source, f"body must be bytes, got {type(body).__name__}")
    try:
        text = bytes(body).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(source, f"body is not UTF-8 (byte {exc.start})") from None
    if not text or text.isspace():
        raise ParseError(source, "body is empty")
    return text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def body_json(body: bytes | bytearray | memoryview | str, source: str) -> Any:
    """The body as strict JSON (no NaN/Infinity); ``ParseError`` naming what is wrong, e.g. an HTML error page."""
    text = body if isinstance(body, str) else body_text(body, source)
    if not text.strip():
        raise ParseError(source, "body is empty")
    if text.lstrip()[:1] == "<":
        raise ParseError(source, "body is HTML/XML, not JSON (an error page?)")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ParseError(source, f"body is not JSON ({str(exc).splitlines()[0][:120]})") from None
