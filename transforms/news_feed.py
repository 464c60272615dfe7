"""News feeds (Google News RSS search results, industry RSS 2.0 and Atom feeds) → ``Article`` records."""

from __future__ import annotations

import base64
import binascii
import html
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XMLParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from transforms.errors import ParseError
from transforms.news_records import Article
from transforms.urls import canonical_url

__all__ = ["canonical_url", "html_to_text", "parse_news_feed", "target_url"]

SOURCE = "news-feed"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_WS = re.compile(r"\s+")
_PUBLISHER_SEP = (" - ", " – ", " — ", " | ")


def parse_news_feed(body: bytes, *, source_feed: str = "", language: str | None = None) -> list[Article]:
    """Articles of an RSS 2.0 or Atom document, in feed order.

    XML is parsed with defusedxml: a DTD, entity declarations or external references are refused.
    ``language`` is used when the feed does not declare one. Raises ``ParseError("news-feed", ...)``
    for malformed XML, a document that is neither RSS nor Atom, or an item without a link.
    """
    if not body or not body.strip():
        raise ParseError(SOURCE, "empty document")
    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ParseError(SOURCE, f"refused unsafe XML ({type(exc).__name__})") from None
    except XMLParseError as exc:
        raise ParseError(SOURCE, f"malformed XML ({exc})") from None
    except (ValueError, LookupError, TypeError) as exc:  # LookupError: unknown declared encoding
        raise ParseError(SOURCE, f"unreadable XML ({type(exc).__name__})") from None
    kind = _local(root.tag)
    if kind == "rss":
        channel = _child(root, "channel")
        if channel is None:
            raise ParseError(SOURCE, "RSS document without <channel>")
        return _parse_rss(channel, list(channel), source_feed, language)
    if kind == "RDF":  # RSS 1.0: items are siblings of the channel
        channel = _child(root, "channel")
        return _parse_rss(channel if channel is not None else root, list(root), source_feed, language)
    if kind == "feed":
        return _parse_atom(root, source_feed, language)
    raise ParseError(SOURCE, f"not an RSS or Atom document (root <{kind}>)")


def _parse_rss(
    channel: Element, candidates: list[Element], source_feed: str, language: str | None
) -> list[Article]:
    feed_title = _text(_child(channel, "title")) or None
    feed_link = _text(_child(channel, "link")) or None
    lang = _text(_child(channel, "language")) or language
    articles = []
    items = [el for el in candidates if _local(el.tag) == "item"]
    for index, item in enumerate(items, start=1):
        link = _text(_child(item, "link"))
        guid_el = _child(item, "guid")
        guid = _text(guid_el) or None
        if not link and guid and (guid_el.get("isPermaLink") or "true").lower() != "false":
            link = guid if guid.startswith(("http://", "https://")) else ""
        if not link:
            raise ParseError(SOURCE, f"item {index} has no link", field="link")
        link = _absolute(link, feed_link)
        source_el = _child(item, "source")
        if source_el is not None:  # Google News: <source url="https://publisher">Publisher</source>
            publisher = _text(source_el) or None
            publisher_url = (source_el.get("url") or "").strip() or None
        else:
            publisher, publisher_url = feed_title, feed_link
        title = _strip_publisher(_clean(html.unescape(_text(_child(item, "title")))), publisher)
        summary_el = _child(item, "description")
        if summary_el is None:
            summary_el = _child(item, "encoded")  # content:encoded
        date_el = _child(item, "pubDate")
        if date_el is None:
            date_el = _child(item, "date")  # dc:date
        articles.append(Article(
            url=link,
            canonical_url=target_url(link),
            title=title,
            publisher=publisher,
            publisher_url=publisher_url,
            published_at=parse_feed_date(_text(date_el)),
            language=lang or None,
            summary=html_to_text(_text(summary_el)),
            source_feed=source_feed,
            guid=guid,
        ))
    return articles


def _parse_atom(feed: Element, source_feed: str, language: str | None) -> list[Article]:
    feed_title = _atom_text(_child(feed, "title")) or None
    feed_link = _atom_link(feed)
    lang = (feed.get(_XML_LANG) or "").strip() or language
    articles = []
    entries = [el for el in feed if _local(el.tag) == "entry"]
    for index, entry in enumerate(entries, start=1):
        link = _atom_link(entry)
        if not link:
            raise ParseError(SOURCE, f"entry {index} has no link", field="link")
        link = _absolute(link, feed_link)
        author = _child(entry, "author")
        source = _child(entry, "source")  # an aggregated entry names its original feed
        publisher, publisher_url = feed_title, feed_link
        if source is not None:
            publisher = _atom_text(_child(source, "title")) or publisher
            publisher_url = _atom_link(source) or publisher_url
        elif publisher is None and author is not None:
            publisher = _text(_child(author, "name")) or None
        title = _strip_publisher(_atom_text(_child(entry, "title")), publisher)
        summary_el = _child(entry, "summary")
        if summary_el is None:
            summary_el = _child(entry, "content")
        date_el = _child(entry, "published")
        if date_el is None:
            date_el = _child(entry, "updated")
        articles.append(Article(
            url=link,
            canonical_url=target_url(link),
            title=title,
            publisher=publisher,
            publisher_url=publisher_url,
            published_at=parse_feed_date(_text(date_el)),
            language=(entry.get(_XML_LANG) or "").strip() or lang or None,
            summary=_atom_text(summary_el),
            source_feed=source_feed,
            guid=_text(_child(entry, "id")) or None,
        ))
    return articles


# --- dates -------------------------------------------------------------------------------------------


def parse_feed_date(value: str) -> str | None:
    """An RFC 822 (RSS) or ISO 8601 (Atom, dc:date) timestamp as ``YYYY-MM-DDTHH:MM:SSZ``; None if unreadable.

    A timestamp without a zone is taken as UTC.
    """
    value = (value or "").strip()
    if not value:
        return None
    dt: datetime | None = None
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            return None
    try:
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError):
        return None


# --- links -------------------------------------------------------------------------------------------


def target_url(link: str) -> str:
    """The canonical URL of the page ``link`` leads to, decoded offline when the link carries it.

    A ``url=`` query parameter (redirectors) or an old-style Google News article id (base64 protobuf with
    the URL inside) is decoded; anything else (e.g. the newer opaque Google ids) stays the link itself.
    """
    try:
        parts = urlsplit(link.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return canonical_url(link)
    for candidate in parse_qs(parts.query).get("url", []):
        if candidate.startswith(("http://", "https://")):
            return canonical_url(candidate)
    if host == "news.google.com" and "/articles/" in parts.path:
        decoded = _decode_google_article_id(parts.path.rsplit("/articles/", 1)[1].split("/")[0])
        if decoded:
            return canonical_url(decoded)
    return canonical_url(link)


def _decode_google_article_id(article_id: str) -> str | None:
    try:
        raw = base64.urlsafe_b64decode(article_id + "=" * (-len(article_id) % 4))
    except (binascii.Error, ValueError):
        return None
    # Old ids: 0x08 0x13 0x22 <varint length> <url bytes> ...; newer ids are opaque.
    start = raw.find(b"\x22")
    if start < 0 or start > 4:
        return None
    length, shift, pos = 0, 0, start + 1
    while pos < len(raw) and shift < 28:
        byte = raw[pos]
        length |= (byte & 0x7F) << shift
        pos += 1
        shift += 7
        if not byte & 0x80:
            break
    url_bytes = raw[pos:pos + length]
    if len(url_bytes) != length:
        return None
    try:
        url = url_bytes.decode("ascii")
    except UnicodeDecodeError:
        return None
    if not url.startswith(("http://", "https://")) or not url.isprintable() or " " in url:
        return None
    return url


def _absolute(link: str, base: str | None) -> str:
    if base and "://" not in link:
        try:
            return urljoin(base, link)
        except ValueError:
            return link
    return link


def _atom_link(el: Element) -> str | None:
    links = [c for c in el if _local(c.tag) == "link" and (c.get("href") or "").strip()]
    for want in ("alternate", None):
        for link in links:
            if (link.get("rel") or "alternate") == want or want is None:
                return link.get("href").strip()
    return None


# --- text --------------------------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    _BLOCK = frozenset({"br", "p", "div", "li", "ol", "ul", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5",
                        "h6", "blockquote", "section", "article", "header", "footer", "table", "hr"})
    _SKIP = frozenset({"script", "style", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """HTML → plain text: tags dropped, entities unescaped, whitespace (incl. ``&nbsp;``) collapsed."""
    if not markup:
        return ""
    if "<" not in markup and "&" not in markup:
        return _clean(markup)
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        return _clean(html.unescape(re.sub(r"<[^>]*>", " ", markup)))
    return _clean("".join(parser.parts))


def _atom_text(el: Element | None) -> str:
    """An Atom text construct (type text, html or xhtml) as plain text."""
    if el is None:
        return ""
    kind = (el.get("type") or "text").lower()
    if kind == "xhtml" or len(el):
        return _clean(" ".join(el.itertext()))
    if kind in ("html", "text/html"):
        return html_to_text(el.text or "")
    return _clean(el.text or "")


def _strip_publisher(title: str, publisher: str | None) -> str:
    """Google News appends " - Publisher" to each headline; drop it when it names the item's source."""
    if not publisher:
        return title
    for sep in _PUBLISHER_SEP:
        suffix = sep + publisher
        if title.endswith(suffix) and len(title) > len(suffix):
            return title[: -len(suffix)].rstrip()
    return title


def _clean(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _local(tag: object) -> str:
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return tag.rsplit("}", 1)[-1]


def _child(el: Element | None, name: str) -> Element | None:
    """The first child named ``name``; one without a namespace wins (RSS ``link`` over ``atom:link``)."""
    if el is None:
        return None
    found = None
    for child in el:
        if child.tag == name:
            return child
        if found is None and _local(child.tag) == name:
            found = child
    return found


def _text(el: Element | None) -> str:
    if el is None:
        return ""
    return _clean("".join(el.itertext()))
