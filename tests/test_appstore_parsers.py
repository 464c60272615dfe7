"""Apple parsers (RSS v2, legacy iTunes RSS, iTunes Lookup) on the project's own fixtures, on the real
reference payloads when present, under fuzzing, and round-tripped through the sample-market renderers.

Fixture ids of catalog apps are the catalog's; ids of other unknown-id apps are illustrative.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sample_data.payloads import SampleApp, render_legacy_rss, render_lookup, render_rss_v2
from transforms.appstore_rss import parse_appstore_rss, parse_legacy_rss, parse_rss_v2
from transforms.errors import ParseError
from transforms.itunes_lookup import parse_itunes_lookup
from transforms.records import AppLookup, ChartEntry, to_dict

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "appstore"
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def reference(name: str) -> bytes:
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"reference payload {path} not present")
    return path.read_bytes()


# --------------------------------------------------------------------------------------------- RSS v2


def test_rss_v2_top_free():
    entries = parse_rss_v2(fixture("rss_v2_top_free_us.json"), country="us", chart="top-free")
    assert len(entries) == 10
    assert [e.rank for e in entries] == list(range(1, 11))
    assert all(isinstance(e, ChartEntry) for e in entries)
    assert {(e.store, e.country, e.chart, e.genre, e.feed) for e in entries} == {
        ("app_store", "us", "top-free", "all", "rss_v2")
    }
    reelshort = entries[1]
    assert (reelshort.store_app_id, reelshort.name, reelshort.publisher) == (
        "1636235979", "ReelShort - Short Movie & TV", "Crazy Maple Studio")
    assert reelshort.genre_name == "Entertainment"
    assert reelshort.release_date == "2022-08-09"
    assert reelshort.price is None and reelshort.bundle_id is None


def test_rss_v2_empty_genres_gives_no_genre_name():
    entries = parse_rss_v2(fixture("rss_v2_top_free_us.json"), country="US", chart="top-free")
    netshort = entries[8]
    assert netshort.store_app_id == "6504849169"
    assert netshort.genre_name is None
    assert netshort.genre == "all"
    assert netshort.country == "us"


def test_rss_v2_missing_id_names_the_result():
    with pytest.raises(ParseError) as err:
        parse_rss_v2(fixture("rss_v2_missing_id.json"), country="us", chart="top-free")
    assert err.value.source == "appstore-rss"
    assert err.value.reason == "result 3: missing id"


def test_rss_v2_rejects_wrong_chart_country_and_unknown_chart():
    body = fixture("rss_v2_top_free_us.json")
    with pytest.raises(ParseError, match="top-free chart, not top-paid"):
        parse_rss_v2(body, country="us", chart="top-paid")
    with pytest.raises(ParseError, match="does not match requested country 'gb'"):
        parse_rss_v2(body, country="gb", chart="top-free")
    with pytest.raises(ParseError, match="unknown chart 'topfree'"):
        parse_rss_v2(body, country="us", chart="topfree")
    with pytest.raises(ParseError, match="no top-grossing chart"):
        parse_rss_v2(body, country="us", chart="top-grossing")
    with pytest.raises(ParseError, match="not an ISO alpha-2"):
        parse_rss_v2(body, country="usa", chart="top-free")


def test_rss_v2_non_numeric_id():
    doc = json.loads(fixture("rss_v2_top_free_us.json"))
    doc["feed"]["results"][4]["id"] = "id6448311069"
    with pytest.raises(ParseError, match=r"result 5: id 'id6448311069' is not numeric"):
        parse_rss_v2(json.dumps(doc).encode(), country="us", chart="top-free")


# --------------------------------------------------------------------------------------------- legacy RSS


def test_legacy_top_grossing_entertainment():
    entries = parse_legacy_rss(fixture("legacy_topgrossing_6016_us.json"), country="us",
                               chart="top-grossing", genre="6016")
    assert len(entries) == 10
    assert [e.rank for e in entries] == list(range(1, 11))
    assert {(e.chart, e.genre, e.feed, e.genre_name) for e in entries} == {
        ("top-grossing", "6016", "legacy_rss", "Entertainment")}
    dramabox = entries[1]  # `link` is an object here, a list on ReelShort
    assert dramabox.store_app_id == "6445905219"
    assert dramabox.bundle_id == "com.storymatrix.drama"
    assert dramabox.publisher == "STORYMATRIX PTE. LTD."
    assert dramabox.price == 0.0 and dramabox.currency == "USD"
    assert dramabox.release_date == "2023-03-27"
    assert dramabox.summary is not None and dramabox.summary.startswith("DramaBox brings you")
    assert entries[0].name == "ReelShort - Short Movie & TV"


def test_legacy_single_entry_object():
    entries = parse_legacy_rss(fixture("legacy_single_entry.json"), country="us", chart="top-paid", genre="6016")
    assert len(entries) == 1
    (e,) = entries
    assert (e.rank, e.store_app_id, e.name, e.price, e.currency) == (1, "623592465", "Heads Up!", 1.99, "USD")
    assert e.release_date == "2013-05-21"


def test_legacy_empty_chart_is_empty():
    assert parse_legacy_rss(fixture("legacy_empty.json"), country="mt", chart="top-grossing", genre="6016") == []


def test_legacy_checks_feed_chart_and_genre():
    body = fixture("legacy_topgrossing_6016_us.json")
    with pytest.raises(ParseError, match="top-grossing chart, not top-free"):
        parse_legacy_rss(body, country="us", chart="top-free", genre="6016")
    with pytest.raises(ParseError, match="genre 6016, not 6014"):
        parse_legacy_rss(body, country="us", chart="top-grossing", genre="6014")
    with pytest.raises(ParseError, match="not a numeric genre id"):
        parse_legacy_rss(body, country="us", chart="top-grossing", genre="Entertainment")


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda e: e["id"]["attributes"].pop("im:id"), "entry 3: missing id.attributes.im:id"),
        (lambda e: e["id"]["attributes"].update({"im:id": "abc"}), "entry 3: id.attributes.im:id 'abc' is not numeric"),
        (lambda e: e.pop("im:name"), "entry 3: missing im:name.label"),
        (lambda e: e.update({"id": "363590051"}), "entry 3: id is not an object"),
        (lambda e: e["category"]["attributes"].update({"im:id": "Entertainment"}),
         "entry 3: category.attributes.im:id 'Entertainment' is not a genre id"),
        (lambda e: e["im:price"]["attributes"].update({"amount": "free"}),
         "entry 3: im:price.attributes.amount 'free' is not a number"),
        (lambda e: e["im:releaseDate"].update({"label": "April 1, 2010"}),
         "entry 3: im:releaseDate.label 'April 1, 2010' is not an ISO date"),
        (lambda e: e.update({"link": "https://apps.apple.com"}), "entry 3: link is neither an object nor a list"),
    ],
)
def test_legacy_bad_entry_names_entry_and_field(mutate, reason):
    doc = json.loads(fixture("legacy_topgrossing_6016_us.json"))
    mutate(doc["feed"]["entry"][2])
    with pytest.raises(ParseError) as err:
        parse_legacy_rss(json.dumps(doc).encode(), country="us", chart="top-grossing", genre="6016")
    assert err.value.reason == reason


# --------------------------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("name", "chart", "feed", "count"),
    [
        ("rss_v2_top_free_us.json", "top-free", "rss_v2", 10),
        ("legacy_topgrossing_6016_us.json", "top-grossing", "legacy_rss", 10),
        ("legacy_single_entry.json", "top-paid", "legacy_rss", 1),
        ("legacy_empty.json", "top-grossing", None, 0),
    ],
)
def test_detects_shape(name, chart, feed, count):
    country = "mt" if "empty" in name else "us"
    entries = parse_appstore_rss(fixture(name), country=country, chart=chart)
    assert len(entries) == count
    assert {e.feed for e in entries} == ({feed} if feed else set())


def test_detected_legacy_takes_genre_from_feed_url():
    entries = parse_appstore_rss(fixture("legacy_topgrossing_6016_us.json"), country="us", chart="top-grossing")
    assert {e.genre for e in entries} == {"6016"}


def test_detection_rejects_genre_on_v2_and_odd_shapes():
    with pytest.raises(ParseError, match="overall chart"):
        parse_appstore_rss(fixture("rss_v2_top_free_us.json"), country="us", chart="top-free", genre="6016")
    with pytest.raises(ParseError, match="unrecognised feed shape"):
        parse_appstore_rss(b'{"feed": {"title": "x"}}', country="us", chart="top-free")
    with pytest.raises(ParseError, match="missing feed object"):
        parse_appstore_rss(b'{"resultCount": 0, "results": []}', country="us", chart="top-free")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (None, "body is not JSON"),  # malformed_truncated.json
        (b"\xff\xfe{\x00", "body is not UTF-8"),
        (b"", "body is empty"),
        (b"[1, 2]", "top level is a JSON list"),
        (b'{"feed": {"results": {}}}', "feed.results is not a list"),
        (b'{"feed": {"results": [], "x": NaN}}', "body is not JSON"),
        (b"[" * 100_000, "body is not JSON"),
    ],
)
def test_malformed_bodies(body, reason):
    body = fixture("malformed_truncated.json") if body is None else body
    with pytest.raises(ParseError) as err:
        parse_appstore_rss(body, country="us", chart="top-free")
    assert err.value.reason.startswith(reason)
    assert "\n" not in str(err.value)


def test_html_error_page():
    with pytest.raises(ParseError, match="HTML"):
        parse_appstore_rss(fixture("malformed_html.html"), country="us", chart="top-free")
    with pytest.raises(ParseError, match="HTML"):
        parse_itunes_lookup(fixture("malformed_html.html"), country="us")


# --------------------------------------------------------------------------------------------- lookup


def test_lookup_dramas():
    apps = parse_itunes_lookup(fixture("lookup_dramas_us.json"), country="us")
    assert [a.track_id for a in apps] == ["1636235979", "6445905219", "6464002625", "6498713494"]
    assert all(isinstance(a, AppLookup) and a.country == "us" and a.kind == "software" for a in apps)
    reelshort = apps[0]
    assert reelshort.name == "ReelShort - Short Movie & TV"
    assert reelshort.bundle_id == "com.crazymaplestudio.reelshort"
    assert (reelshort.seller, reelshort.artist) == ("Crazy Maple Studio, Inc.", "Crazy Maple Studio")
    assert (reelshort.user_rating_count, reelshort.average_user_rating) == (386512, 4.58377)
    assert reelshort.file_size_bytes == 241526784
    assert reelshort.genre_ids == ("6016",)
    assert (reelshort.primary_genre, reelshort.primary_genre_id) == ("Entertainment", "6016")
    assert reelshort.current_version_release_date == "2025-09-02T09:14:27Z"


def test_lookup_missing_ratings_are_none():
    mydrama = parse_itunes_lookup(fixture("lookup_dramas_us.json"), country="us")[3]
    assert mydrama.name == "My Drama - Short Series & Movies"
    assert mydrama.user_rating_count is None
    assert mydrama.average_user_rating is None
    assert mydrama.user_rating_count_current_version is None
    assert mydrama.average_user_rating_current_version is None
    assert mydrama.version == "1.0.3"


def test_lookup_empty():
    assert parse_itunes_lookup(fixture("lookup_empty.json"), country="pt") == []


def test_lookup_keeps_other_kinds_and_skips_artist_rows():
    doc = json.loads(fixture("lookup_dramas_us.json"))
    doc["results"][0]["kind"] = "mac-software"
    doc["results"][1]["kind"] = "ios-software-extension"
    doc["results"].append({"wrapperType": "artist", "artistType": "Software Artist", "artistName": "ShortTV"})
    doc["resultCount"] = 5
    apps = parse_itunes_lookup(json.dumps(doc).encode(), country="us")
    assert [a.kind for a in apps] == ["mac-software", "ios-software-extension", "software", "software"]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d["results"][1].pop("trackId"), "result 2: missing trackId"),
        (lambda d: d["results"][1].update({"trackId": "id6445905219"}),
         "result 2: trackId 'id6445905219' is not a numeric id"),
        (lambda d: d["results"][1].pop("trackName"), "result 2: missing trackName"),
        (lambda d: d["results"][1].update({"fileSizeBytes": "big"}),
         "result 2: fileSizeBytes 'big' is not a non-negative integer"),
        (lambda d: d["results"][1].update({"userRatingCount": True}),
         "result 2: userRatingCount 'True' is not a non-negative integer"),
        (lambda d: d["results"][1].update({"averageUserRating": 7}),
         "result 2: averageUserRating '7' is not a number in [0, 5]"),
        (lambda d: d["results"][1].update({"releaseDate": "yesterday"}),
         "result 2: releaseDate 'yesterday' is not an ISO timestamp"),
        (lambda d: d["results"].pop(), "resultCount is 4 but results has 3 items (truncated?)"),
        (lambda d: d.pop("resultCount"), "missing or invalid resultCount"),
        (lambda d: d.update({"errorMessage": "Invalid value(s) for key(s): [id]"}),
         "API error: 'Invalid value(s) for key(s): [id]'"),
    ],
)
def test_lookup_malformed_names_result_and_field(mutate, reason):
    doc = json.loads(fixture("lookup_dramas_us.json"))
    mutate(doc)
    with pytest.raises(ParseError) as err:
        parse_itunes_lookup(json.dumps(doc).encode(), country="us")
    assert err.value.source == "itunes-lookup"
    assert err.value.reason == reason


def test_lookup_malformed_truncated():
    body = fixture("lookup_dramas_us.json")[:2000]
    with pytest.raises(ParseError, match="itunes-lookup: body is not JSON"):
        parse_itunes_lookup(body, country="us")


# --------------------------------------------------------------------------------------------- reference


def test_reference_angry_birds_lookup():
    (app,) = parse_itunes_lookup(reference("itunes/lookup_angry_birds_us.json"), country="us")
    assert app.track_id == "343200656"
    assert app.name == "Angry Birds"
    assert app.bundle_id == "com.clickgamer.AngryBirds"
    assert app.seller == app.artist == "Rovio Entertainment Ltd"
    assert app.kind == "software"
    assert (app.primary_genre, app.primary_genre_id) == ("Games", "6014")
    assert app.genre_ids == ("6014", "7003", "6016", "7001")
    assert (app.user_rating_count, app.average_user_rating) == (822399, 4.5)
    assert (app.user_rating_count_current_version, app.average_user_rating_current_version) == (1053, 4.0)
    assert (app.version, app.price, app.currency) == ("5.2.0", 0.99, "USD")
    assert app.release_date == "2009-12-11T08:00:00Z"
    assert app.current_version_release_date is None
    assert app.file_size_bytes == 70827369
    assert app.description is not None and app.description.startswith("Use the unique powers")


def test_reference_not_in_storefront():
    assert parse_itunes_lookup(reference("itunes/lookup_not_in_storefront_pt.json"), country="pt") == []


# --------------------------------------------------------------------------------------------- fuzzing

json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12) \
    | st.sampled_from(["", "6016", "1636235979", "2024-01-02", "2024-01-02T00:00:00-07:00", "0.00000", "Z"])
json_value = st.recursive(json_leaf, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=6), c, max_size=4),
                          max_leaves=12)


def _labelled(value: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(value, st.fixed_dictionaries({"label": value}),
                     st.fixed_dictionaries({"label": value, "attributes": json_value}))


v2_result = st.dictionaries(
    st.sampled_from(["id", "name", "artistName", "releaseDate", "genres", "kind", "url"]),
    json_value | st.lists(st.fixed_dictionaries({"name": json_value}), max_size=2), max_size=7)
v2_doc = st.fixed_dictionaries(
    {"feed": st.fixed_dictionaries({"results": st.lists(v2_result, max_size=4)},
                                   optional={"country": json_value, "id": json_value})})
legacy_entry = st.dictionaries(
    st.sampled_from(["im:name", "id", "im:artist", "category", "im:releaseDate", "im:price", "summary", "link"]),
    _labelled(json_value) | st.fixed_dictionaries({"attributes": st.dictionaries(
        st.sampled_from(["im:id", "im:bundleId", "amount", "currency", "label"]), json_value)}),
    max_size=8)
legacy_doc = st.fixed_dictionaries({"feed": st.fixed_dictionaries(
    {"updated": _labelled(json_value)},
    optional={"entry": legacy_entry | st.lists(legacy_entry, max_size=3), "id": _labelled(json_value)})})
lookup_result = st.dictionaries(
    st.sampled_from(["trackId", "trackName", "bundleId", "kind", "userRatingCount", "averageUserRating",
                     "fileSizeBytes", "genreIds", "price", "releaseDate", "primaryGenreId", "wrapperType"]),
    json_value, max_size=12)
lookup_doc = st.lists(lookup_result, max_size=3).flatmap(
    lambda rs: st.fixed_dictionaries({"resultCount": st.just(len(rs)) | json_value, "results": st.just(rs)}))


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def mutations(name: str) -> st.SearchStrategy[bytes]:
    """A fixture with one node replaced by an arbitrary JSON value (or deleted)."""
    doc = json.loads(fixture(name))
    paths = _paths(doc)

    def apply(path: tuple, value: Any, delete: bool) -> bytes:
        copy = json.loads(json.dumps(doc))
        parent = copy
        for key in path[:-1]:
            parent = parent[key]
        if delete:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
        return json.dumps(copy).encode()

    return st.builds(apply, st.sampled_from(paths), json_value, st.booleans())


def _only_parse_errors(parse, body) -> None:
    try:
        out = parse(body)
    except ParseError as err:
        assert err.reason and "\n" not in str(err)
    else:
        assert isinstance(out, list)
        for rec in out:  # what the CLI does with a record must not fail either
            json.dumps(to_dict(rec), ensure_ascii=False).encode("utf-8")


def _rss(body: bytes) -> list[ChartEntry]:
    return parse_appstore_rss(body, country="us", chart="top-free")


def _legacy(body: bytes) -> list[ChartEntry]:
    return parse_legacy_rss(body, country="us", chart="top-grossing", genre="6016")


def _lookup(body: bytes) -> list[AppLookup]:
    return parse_itunes_lookup(body, country="us")


@FUZZ
@given(st.binary(max_size=300) | st.just(b"").flatmap(lambda _: json_value.map(lambda v: json.dumps(v).encode()))
       | v2_doc.map(lambda d: json.dumps(d).encode()) | mutations("rss_v2_top_free_us.json"))
def test_fuzz_appstore_rss_only_parse_error(body):
    _only_parse_errors(_rss, body)


@FUZZ
@given(st.binary(max_size=300) | legacy_doc.map(lambda d: json.dumps(d).encode())
       | mutations("legacy_topgrossing_6016_us.json") | mutations("legacy_single_entry.json"))
def test_fuzz_legacy_rss_only_parse_error(body):
    _only_parse_errors(_legacy, body)


@FUZZ
@given(st.binary(max_size=300) | json_value.map(lambda v: json.dumps(v).encode())
       | lookup_doc.map(lambda d: json.dumps(d).encode()) | mutations("lookup_dramas_us.json"))
def test_fuzz_itunes_lookup_only_parse_error(body):
    _only_parse_errors(_lookup, body)


# --------------------------------------------------------------------------------------------- round trip

UPDATED = datetime(2025, 9, 8, 7, 12, 5, tzinfo=UTC)
MARKET = [
    SampleApp("1636235979", "ReelShort - Short Movie & TV", "com.crazymaplestudio.reelshort", "Crazy Maple Studio",
              "6016", "Entertainment", 0.0, "USD", date(2022, 8, 9),
              "Short dramas in 1-2 minute episodes.", 386512, 4.6, "2.6.10"),
    SampleApp("6445905219", "DramaBox - Stream Drama Shorts", "com.storymatrix.drama", "STORYMATRIX PTE. LTD.",
              "6016", "Entertainment", 0.0, "USD", "2023-03-27",  # ISO text, as sample_data.market gives it
              "Binge drama shorts: CEO romance & revenge, “new” episodes daily.", 251873, 4.7, "4.2.1"),
    SampleApp("6498713494", "My Drama - Short Series & Movies", "com.mydrama.app", "Holywater", "6016",
              "Entertainment", 2.99, "USD", date(2024, 5, 21), "Vertical series 短剧.", None, None, "1.0.3",
              current_version_release_date=datetime(2025, 9, 1, 16, 20, tzinfo=UTC)),
]


def _check_chart(entries: list[ChartEntry], apps: list[SampleApp], *, legacy: bool) -> None:
    assert [e.rank for e in entries] == list(range(1, len(apps) + 1))
    for e, app in zip(entries, apps, strict=True):
        assert (e.store_app_id, e.name, e.publisher, e.genre_name) == (
            app.track_id, app.name, app.seller, app.genre_name)
        assert e.release_date == app.released.isoformat()
        if legacy:
            assert (e.bundle_id, e.price, e.currency, e.summary) == (
                app.bundle_id, app.price, app.currency, app.description)


def test_round_trip_rss_v2():
    body = render_rss_v2("us", "top-free", MARKET, UPDATED)
    doc = json.loads(body)
    assert doc["feed"]["updated"] == "Mon, 8 Sep 2025 07:12:05 +0000"
    assert set(doc["feed"]["results"][0]) == {"artistName", "id", "name", "releaseDate", "kind", "artworkUrl100",
                                              "genres", "url"}
    entries = parse_appstore_rss(body, country="us", chart="top-free")
    assert {e.feed for e in entries} == {"rss_v2"}
    _check_chart(entries, MARKET, legacy=False)


@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_round_trip_legacy(count):
    apps = MARKET[:count]
    body = render_legacy_rss("us", "top-grossing", "6016", apps, UPDATED)
    feed = json.loads(body)["feed"]
    assert list(feed)[-6:] == ["updated", "rights", "title", "icon", "link", "id"]
    assert feed["updated"]["label"] == "2025-09-08T00:12:05-07:00"
    if count == 0:
        assert "entry" not in feed
    elif count == 1:
        assert isinstance(feed["entry"], dict)
    elif count == 3:  # link shape follows track id parity: both shapes appear
        assert {type(e["link"]) for e in feed["entry"]} == {dict, list}
    entries = parse_appstore_rss(body, country="us", chart="top-grossing")
    assert {e.genre for e in entries} <= {"6016"}
    _check_chart(entries, apps, legacy=True)


def test_round_trip_lookup():
    body = render_lookup("us", MARKET)
    doc = json.loads(body)
    assert "userRatingCount" not in doc["results"][2] and "averageUserRating" not in doc["results"][2]
    assert isinstance(doc["results"][0]["fileSizeBytes"], str)
    apps = parse_itunes_lookup(body, country="us")
    for got, app in zip(apps, MARKET, strict=True):
        assert (got.track_id, got.name, got.bundle_id, got.seller, got.kind, got.version) == (
            app.track_id, app.name, app.bundle_id, app.seller, "software", app.version)
        assert (got.user_rating_count, got.average_user_rating) == (app.user_rating_count, app.average_user_rating)
        assert (got.price, got.currency, got.description) == (app.price, app.currency, app.description)
        assert (got.primary_genre, got.primary_genre_id, got.genre_ids) == (app.genre_name, app.genre_id,
                                                                            (app.genre_id,))
        assert got.release_date is not None and got.release_date.startswith(app.released.isoformat())
        assert got.file_size_bytes and got.file_size_bytes > 0
    assert apps[2].current_version_release_date == "2025-09-01T16:20:00Z"
    assert parse_itunes_lookup(render_lookup("pt", []), country="pt") == []


clean_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip)
sample_apps = st.builds(
    SampleApp,
    track_id=st.integers(100_000, 9_999_999_999).map(str),
    name=clean_text, bundle_id=clean_text, seller=clean_text,
    genre_id=st.sampled_from(["6016", "6014", "6008"]), genre_name=clean_text,
    price=st.sampled_from([0.0, 0.99, 1.99, 4.99]), currency=st.sampled_from(["USD", "EUR", "JPY"]),
    release_date=st.dates(date(2008, 7, 10), date(2030, 1, 1)), description=clean_text,
    user_rating_count=st.none() | st.integers(0, 10**7), average_user_rating=st.none() | st.sampled_from([1.0, 4.5]),
    version=st.from_regex(r"\A[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}\Z"),
)


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(sample_apps, max_size=4, unique_by=lambda a: a.track_id))
def test_round_trip_property(apps):
    _check_chart(parse_rss_v2(render_rss_v2("de", "top-paid", apps, UPDATED), country="de", chart="top-paid"),
                 apps, legacy=False)
    _check_chart(parse_legacy_rss(render_legacy_rss("de", "top-free", "6016", apps, UPDATED), country="de",
                                  chart="top-free", genre="6016"), apps, legacy=True)
    looked = parse_itunes_lookup(render_lookup("de", apps), country="de")
    assert [(a.track_id, a.name, a.user_rating_count) for a in looked] == [
        (a.track_id, a.name, a.user_rating_count) for a in apps]
