"""Google Play parsers: details page (AF_initDataCallback blocks) and vyAe2 top charts.

Own fixtures come from tests/fixtures/google_play/make_fixtures.py; the real recorded payloads in
../shared/reference are used when present (skipped otherwise).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dramatrack_cli.main import app as cli_app
from extractors.google_play_urls import build_chart_request_body, chart_url, details_url
from transforms.errors import ParseError
from transforms.google_play_chart import parse_play_chart
from transforms.google_play_details import parse_play_details
from transforms.records import ChartEntry, PlayAppDetails, to_dict

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "google_play"
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
REELSHORT = "com.newleaf.app.android.victor"
runner = CliRunner()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def reference(name: str) -> bytes:
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"reference payload {path} not present")
    return path.read_bytes()


def _load_maker():
    spec = importlib.util.spec_from_file_location("gp_make_fixtures", FIXTURES / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


maker = _load_maker()


def details(body: bytes, **kw) -> PlayAppDetails:
    return parse_play_details(body, **kw)


def chart(body: bytes, **kw) -> list[ChartEntry]:
    kw.setdefault("genre", "ENTERTAINMENT")
    return parse_play_chart(body, **kw)


# --------------------------------------------------------------------------------------------- details


def test_fixtures_are_current_and_small():
    for name, data in maker.build().items():
        assert fixture(name) == data, f"{name} is stale: rerun make_fixtures.py"
        assert len(data) < 50_000


def test_details_reelshort_values():
    rec = details(fixture("details_reelshort.html"))
    assert rec == PlayAppDetails(
        app_id=REELSHORT,
        country="us",
        title="ReelShort - Short Movie & TV",
        developer="Crazy Maple Studio Inc.",
        genre="Entertainment",
        genre_id="ENTERTAINMENT",
        installs_text="100,000,000+",
        min_installs=100_000_000,
        real_installs=187_654_321,
        score=4.3870235,
        ratings=2_260_854,
        reviews=88_412,
        histogram=(210034, 61220, 98417, 240881, 1650302),
        updated="2026-07-01T10:02:03Z",
        released="Jun 2, 2022",
        version="3.6.20",
        description="Bite-sized dramas — a new twist every minute",
    )


def test_details_block_is_found_by_content_not_by_key():
    page = fixture("details_reelshort.html")
    # The app block is ds:4 and ds:5 is a decoy with data[1][2] present but no title.
    assert re.search(rb"key: 'ds:4', hash: '\d+', data:\[\[\[\[\]\]\],\[null,null,\[\[\"ReelShort", page)
    assert b"key: 'ds:5'" in page
    assert details(page).title == "ReelShort - Short Movie & TV"
    # Keys reshuffled: same result.
    swapped = page.replace(b"'ds:4'", b"'ds:x'").replace(b"'ds:5'", b"'ds:4'").replace(b"'ds:x'", b"'ds:5'")
    assert details(swapped) == details(page)


def test_details_app_block_with_an_unusual_head_is_still_found():
    # A long data[0] defeats the cheap "looks like the app block" pre-check: the block is then
    # found by decoding every block.
    page = fixture("details_reelshort.html").replace(
        b"data:[[[[]]],[null,null,[[\"ReelShort", b"data:[[\"" + b"x" * 80 + b"\"],[null,null,[[\"ReelShort"
    )
    assert details(page).title == "ReelShort - Short Movie & TV"


def test_details_no_data_block():
    with pytest.raises(ParseError) as err:
        details(fixture("details_no_data_block.html"))
    assert "no app data block (AF_initDataCallback with data[1][2][0][0] title) found" in str(err.value)
    assert err.value.source == "gplay-details"


def test_details_missing_developer_names_the_field():
    with pytest.raises(ParseError) as err:
        details(fixture("details_missing_developer.html"))
    assert err.value.field == "developer"
    assert "missing field developer (data[1][2][68][0])" in str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (b'[["ReelShort - Short Movie \\u0026 TV"]', b'[[" "]', "title"),
        (b'["100,000,000+",100000000', b'[null,100000000', "installs_text"),
    ],
)
def test_details_other_required_fields(old, new, field):
    page = fixture("details_reelshort.html")
    assert old in page
    with pytest.raises(ParseError) as err:
        details(page.replace(old, new, 1))
    assert err.value.field == field


def test_details_optional_fields_missing_are_none():
    data = maker.app_block_data()
    app = data[1][2]
    for i in (10, 51, 72, 73, 79, 140, 145):
        app[i] = None
    app[13] = ["5,000+"]
    page = _page_with_app_block(data)
    rec = details(page)
    assert (rec.score, rec.ratings, rec.reviews, rec.histogram, rec.updated, rec.released, rec.version,
            rec.description, rec.genre, rec.genre_id, rec.real_installs) == (None,) * 11
    assert (rec.installs_text, rec.min_installs) == ("5,000+", 5000)


def test_details_full_description_when_no_summary():
    data = maker.app_block_data()
    data[1][2][73] = None
    assert details(_page_with_app_block(data)).description.startswith("Watch short dramas on the go — ")


def test_details_optional_fields_of_the_wrong_type_are_none():
    data = maker.app_block_data()
    app = data[1][2]
    app[51][0][1] = 7.5  # not a rating
    app[51][2][1] = "many"
    app[145][0][1][0] = -5
    app[140] = "3.6.20"  # a string where a list is expected: not read character by character
    rec = details(_page_with_app_block(data))
    assert (rec.score, rec.ratings, rec.updated, rec.version) == (None, None, None, None)


def _page_with_app_block(data) -> bytes:
    original = maker.google_json(maker.app_block_data())
    page = fixture("details_reelshort.html")
    assert original.encode() in page
    return page.replace(original.encode(), maker.google_json(data).encode())


def test_details_app_id_argument_and_page():
    page = fixture("details_reelshort.html")
    assert details(page, app_id=REELSHORT).app_id == REELSHORT
    with pytest.raises(ParseError) as err:
        details(page, app_id="com.storymatrix.drama")
    assert err.value.field == "app_id" and "page is for com.newleaf.app.android.victor" in str(err.value)
    with pytest.raises(ParseError):
        details(page, app_id="not a package")


def test_details_app_id_from_canonical_link_when_data_lacks_it():
    page = fixture("details_reelshort.html").replace(b',["com.newleaf.app.android.victor"],', b",null,", 1)
    assert details(page).app_id == REELSHORT
    page = page.replace(b'rel="canonical"', b'rel="alternate"')
    with pytest.raises(ParseError) as err:
        details(page)
    assert err.value.field == "app_id"
    assert details(page, app_id=REELSHORT).app_id == REELSHORT


def test_details_text_with_escapes_beside_raw_utf8():
    page = fixture("details_reelshort.html").replace(
        b"ReelShort - Short Movie \\u0026 TV", "Caf\\u00e9 – Ré \\u2605 ✓".encode(), 1
    )
    assert details(page).title == "Café – Ré ★ ✓"


def test_details_country_is_checked_and_lowered():
    page = fixture("details_reelshort.html")
    assert details(page, country="GB").country == "gb"
    for bad in ("usa", "", "1x", None):
        with pytest.raises(ParseError):
            details(page, country=bad)


@pytest.mark.parametrize(
    "body",
    [b"", b"   \n", b"<html><body>Not Found</body></html>", b")]}'\n\n[]", b"AF_initDataCallback({key: 'ds:5'",
     b"AF_initDataCallback({key: 'ds:5', hash: '1', data:[1,2, sideChannel: {}});"],
)
def test_details_garbage(body):
    with pytest.raises(ParseError):
        details(body)


def test_details_rejects_non_bytes():
    with pytest.raises(ParseError):
        details(12345)  # type: ignore[arg-type]


def test_reference_details_translate():
    rec = details(reference("google_play/details_translate.html"), app_id="com.google.android.apps.translate")
    assert rec.title == "Google Translate"
    assert rec.developer == "Google LLC"
    assert rec.min_installs == 1_000_000_000
    assert rec.real_installs == 1_619_908_402
    assert rec.ratings == 9_039_805
    assert rec.reviews == 187_840
    assert rec.score == 4.26508
    assert rec.installs_text == "1,000,000,000+"
    assert rec.genre_id == "TOOLS"
    assert rec.histogram == (971_173, 306_894, 479_693, 878_696, 6_403_317)
    assert rec.updated == "2026-07-06T16:26:30Z"


def test_reference_details_app_id_from_page():
    assert details(reference("google_play/details_translate.html")).app_id == "com.google.android.apps.translate"


# --------------------------------------------------------------------------------------------- chart


def test_chart_entertainment_values():
    entries = chart(fixture("chart_entertainment_us.txt"))
    assert [e.rank for e in entries] == list(range(1, 11))
    assert {(e.store, e.country, e.chart, e.genre, e.feed) for e in entries} == {
        ("google_play", "us", "top-free", "ENTERTAINMENT", "batchexecute")}
    first = entries[0]
    assert (first.store_app_id, first.name, first.publisher, first.score, first.installs_text) == (
        REELSHORT, "ReelShort - Short Movie & TV", "Crazy Maple Studio Inc.", 4.3870235, "100,000,000+")
    assert (first.genre_name, first.price, first.currency) == ("Entertainment", 0.0, "USD")
    assert entries[6].name == "Melolo – Short Dramas"
    assert (entries[8].name, entries[8].score) == ("MoboReels - Dramas & Movies 🎬", None)


def test_chart_empty():
    assert chart(fixture("chart_empty.txt")) == []


def test_chart_plain_framing_without_lengths():
    body = fixture("chart_entertainment_us.txt")
    plain = re.sub(rb"\n\d+\n", b"\n", body)
    assert chart(plain) == chart(body)


def test_chart_filed_under_the_wrong_chart_or_category():
    body = fixture("chart_entertainment_us.txt")
    with pytest.raises(ParseError, match="topselling_free_ENTERTAINMENT chart, not topselling_paid_ENTERTAINMENT"):
        chart(body, chart="top-paid")
    with pytest.raises(ParseError, match="not topselling_free_GAME"):
        chart(body, genre="GAME")


@pytest.mark.parametrize(
    ("kw", "reason"),
    [({"country": "usa"}, "country"), ({"chart": "top-new"}, "unknown chart"), ({"genre": "games"}, "category")],
)
def test_chart_bad_arguments(kw, reason):
    with pytest.raises(ParseError, match=reason):
        chart(fixture("chart_entertainment_us.txt"), **kw)


def _chart_body(payload) -> bytes:
    return maker.batchexecute(payload)


def _payload_with_apps(apps):
    return maker.chart_payload(apps, "topselling_free", "ENTERTAINMENT")


def _apps():
    return [maker.chart_app(*row) for row in maker.CHART_APPS]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "body is empty"),
        (b"<html>429 Too Many Requests</html>", "no )]}' prefix"),
        (b")]}'\n\n12\n[[\"wrb.fr\"", "not JSON"),
        (b")]}'\n\n5\n{\"a\":1}\n", "not an array"),
        (b")]}'\n\n30\n[[\"di\",12]]\n", "no wrb.fr vyAe2 entry"),
        (b")]}'\n\n30\n[[\"er\",null,null,null,null,400]]\n", "error envelope"),
        (b")]}'\n\n60\n[[\"wrb.fr\",\"vyAe2\",null,null,null,[3],\"generic\"]]\n", "returned no payload"),
        (b")]}'\n\n60\n[[\"wrb.fr\",\"vyAe2\",\"[1,\",null,null,null,\"generic\"]]\n", "payload is not JSON"),
        (b")]}'\n\n60\n[[\"wrb.fr\",\"vyAe2\",\"{}\",null,null,null,\"generic\"]]\n", "payload is not"),
    ],
)
def test_chart_garbage(body, reason):
    with pytest.raises(ParseError, match=re.escape(reason)):
        chart(body)


def test_chart_bad_app_names_its_rank():
    apps = _apps()
    apps[3][0][0] = [None, 7]
    with pytest.raises(ParseError, match="app 4: package"):
        chart(_chart_body(_payload_with_apps(apps)))
    apps = _apps()
    apps[1][0][3] = None
    with pytest.raises(ParseError, match="app 2: missing title"):
        chart(_chart_body(_payload_with_apps(apps)))
    apps = _apps()
    apps[0][0][4] = ["9.9", 9.9]
    with pytest.raises(ParseError, match="app 1: score"):
        chart(_chart_body(_payload_with_apps(apps)))


def test_reference_chart_top_free_game():
    entries = parse_play_chart(reference("google_play/list_topfree_game.txt"), country="us", chart="top-free",
                               genre="GAME")
    assert len(entries) == 100
    assert [e.rank for e in entries] == list(range(1, 101))
    assert entries[0].store_app_id == "com.oakever.meowdoku"
    assert entries[0].name == "Meowdoku: Brain Puzzle Games"
    assert entries[0].publisher == "Oakever Games"
    assert entries[0].installs_text == "5,000,000+"
    assert entries[0].score == pytest.approx(4.6152463)
    assert len({e.store_app_id for e in entries}) == 100
    assert all(e.installs_text and e.installs_text.endswith("+") for e in entries)


# --------------------------------------------------------------------------------------------- URLs


def test_chart_url_and_body():
    url = chart_url("https://play.google.com/", "us", "en")
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("play.google.com", "/_/PlayStoreUi/data/batchexecute")
    query = parse_qs(parts.query, keep_blank_values=True)
    assert query["rpcids"] == ["vyAe2"] and query["hl"] == ["en"] and query["gl"] == ["us"]
    assert query["rt"] == ["c"] and query["source-path"] == ["/store/apps"]

    body = build_chart_request_body("top-grossing", "ENTERTAINMENT", 50)
    assert body.startswith(b"f.req=%5B%5B%5B%22vyAe2%22")
    freq = json.loads(parse_qs(body.decode("ascii"))["f.req"][0])
    rpc_id, args, _, kind = freq[0][0]
    assert (rpc_id, kind) == ("vyAe2", "generic")
    args = json.loads(args)
    assert args[0][2] == [2, "topgrossing", "ENTERTAINMENT"]
    assert args[0][1][0] == [8, [20, 50]]


@pytest.mark.parametrize(("chart_name", "genre", "count"),
                         [("top-new", "GAME", 10), ("top-free", "game", 10), ("top-free", "GAME", 0),
                          ("top-free", "GAME", 201), ("top-free", "", 10)])
def test_chart_body_rejects_bad_arguments(chart_name, genre, count):
    with pytest.raises(ValueError):
        build_chart_request_body(chart_name, genre, count)


def test_details_url():
    assert details_url("https://play.google.com/", REELSHORT, "us", "en") == (
        f"https://play.google.com/store/apps/details?id={REELSHORT}&hl=en&gl=us")


# --------------------------------------------------------------------------------------------- fuzzing


json_leaf = st.none() | st.booleans() | st.integers(-10, 10**10) | st.floats(allow_nan=False) | st.text(max_size=8)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4), max_leaves=12)


def _mutate_bytes(data: st.DataObject, body: bytes) -> bytes:
    ops = data.draw(st.lists(st.sampled_from(["flip", "cut", "insert", "delete"]), min_size=1, max_size=4))
    for op in ops:
        at = data.draw(st.integers(0, len(body)))
        if op == "flip" and at < len(body):
            body = body[:at] + bytes([data.draw(st.integers(0, 255))]) + body[at + 1:]
        elif op == "cut":
            body = body[:at]
        elif op == "insert":
            body = body[:at] + data.draw(st.sampled_from([b"[", b"]", b",", b"\"", b"{", b"null", b"\\u00",
                                                          b"AF_initDataCallback({", b"\xff"])) + body[at:]
        elif op == "delete":
            body = body[:at] + body[at + data.draw(st.integers(1, 64)):]
    return body


def _replace_random_node(data: st.DataObject, root):
    """Replace one random node of a nested list with a random JSON value."""
    node = root
    while True:
        if not isinstance(node, list) or not node:
            return root
        i = data.draw(st.integers(0, len(node) - 1))
        if data.draw(st.booleans()) or not isinstance(node[i], list):
            node[i] = data.draw(json_value)
            return root
        node = node[i]


def _check_details(body: bytes) -> None:
    try:
        rec = details(body)
    except ParseError:
        return
    assert isinstance(rec, PlayAppDetails)
    assert isinstance(rec.title, str) and isinstance(rec.developer, str) and isinstance(rec.installs_text, str)
    assert rec.score is None or 0 <= rec.score <= 5
    json.dumps(to_dict(rec))


def _check_chart(body: bytes) -> None:
    try:
        entries = chart(body)
    except ParseError:
        return
    assert all(isinstance(e, ChartEntry) and isinstance(e.store_app_id, str) for e in entries)
    assert [e.rank for e in entries] == list(range(1, len(entries) + 1))


@FUZZ
@given(st.binary())
def test_fuzz_details_binary_only_parse_error(body):
    _check_details(body)


@FUZZ
@given(st.data())
def test_fuzz_details_byte_mutations_only_parse_error(data):
    _check_details(_mutate_bytes(data, fixture("details_reelshort.html")))


@FUZZ
@given(st.data())
def test_fuzz_details_json_mutations_only_parse_error(data):
    block = maker.app_block_data()
    for _ in range(data.draw(st.integers(1, 3))):
        block = _replace_random_node(data, block)
    _check_details(_page_with_app_block(block))


@FUZZ
@given(st.binary())
def test_fuzz_chart_binary_only_parse_error(body):
    _check_chart(body)


@FUZZ
@given(st.data())
def test_fuzz_chart_byte_mutations_only_parse_error(data):
    _check_chart(_mutate_bytes(data, fixture("chart_entertainment_us.txt")))


@FUZZ
@given(st.data())
def test_fuzz_chart_json_mutations_only_parse_error(data):
    payload = _payload_with_apps(_apps())
    for _ in range(data.draw(st.integers(1, 3))):
        payload = _replace_random_node(data, payload)
    _check_chart(_chart_body(payload))


# --------------------------------------------------------------------------------------------- CLI


def run(*args: str):
    return runner.invoke(cli_app, ["parse", *args])


def test_cli_gplay_details():
    result = run("gplay-details", str(FIXTURES / "details_reelshort.html"), "--country", "us")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    wanted = {"app_id", "title", "developer", "genre", "installs_text", "min_installs", "real_installs", "score",
              "ratings", "reviews", "updated", "version"}
    assert wanted <= set(rec)
    assert (rec["app_id"], rec["title"], rec["min_installs"], rec["updated"]) == (
        REELSHORT, "ReelShort - Short Movie & TV", 100_000_000, "2026-07-01T10:02:03Z")
    assert result.stderr == ""


def test_cli_gplay_details_errors_are_one_line():
    path = FIXTURES / "details_missing_developer.html"
    result = run("gplay-details", str(path))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr and "developer" in result.stderr
    assert "Traceback" not in result.stderr

    result = run("gplay-details", str(FIXTURES / "details_reelshort.html"), "--app-id", "com.storymatrix.drama")
    assert result.exit_code == 1 and "page is for" in result.stderr

    result = run("gplay-details", str(FIXTURES / "does_not_exist.html"))
    assert result.exit_code == 1 and "cannot read file" in result.stderr


def test_cli_gplay_chart():
    result = run("gplay-chart", str(FIXTURES / "chart_entertainment_us.txt"), "--country", "us", "--chart",
                 "top-free", "--genre", "ENTERTAINMENT")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["rank"] for r in records] == list(range(1, 11))
    assert {"rank", "app_id", "title", "developer", "score", "installs_text"} <= set(records[0])
    assert (records[0]["app_id"], records[0]["title"], records[0]["developer"]) == (
        REELSHORT, "ReelShort - Short Movie & TV", "Crazy Maple Studio Inc.")
    assert records[0]["app_id"] == records[0]["store_app_id"]


def test_cli_gplay_chart_empty_and_garbage():
    result = run("gplay-chart", str(FIXTURES / "chart_empty.txt"), "--genre", "ENTERTAINMENT")
    assert (result.exit_code, result.stdout) == (0, "")
    path = FIXTURES / "details_reelshort.html"
    result = run("gplay-chart", str(path))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr and "Traceback" not in result.stderr
