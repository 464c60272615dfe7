"""Live smoke tests: the real sources still answer in the formats the parsers expect.

Skipped by default (there is no internet in CI); run with ``pytest --live -m live``.
"""

from __future__ import annotations

import pytest

from dramatrack.settings import Settings
from extractors.appstore import chart_requests, lookup_requests
from extractors.http_client import PoliteClient
from extractors.warc_archive import WarcArchive
from transforms.appstore_rss import parse_appstore_rss
from transforms.itunes_lookup import parse_itunes_lookup

pytestmark = pytest.mark.live


@pytest.fixture
def live(tmp_path):
    settings = Settings(data_dir=tmp_path, countries=["us"], max_retries=2)
    with PoliteClient(settings) as client, WarcArchive(tmp_path / "live.warc.gz") as archive:
        yield settings, client, archive


def test_app_store_charts_parse(live):
    settings, client, archive = live
    for request in chart_requests(settings, "us"):
        response = client.fetch(request.url, tags=request.tags, archive=archive)
        assert response.status == 200, request.url
        entries = parse_appstore_rss(response.body, country="us", chart=request.tags["chart"],
                                     genre=request.tags["genre"])
        assert len(entries) >= 10, request.url
        assert [e.rank for e in entries] == list(range(1, len(entries) + 1))


def test_catalog_ids_answer_in_lookup(live):
    from dramatrack.catalog import load_catalog

    settings, client, archive = live
    ids = load_catalog(settings.catalog_path).ios_ids()
    (request,) = lookup_requests(settings, "us", ids)
    response = client.fetch(request.url, tags=request.tags, archive=archive)
    assert response.status == 200
    found = {r.track_id for r in parse_itunes_lookup(response.body, country="us")}
    missing = set(ids) - found
    assert not missing, f"catalog iOS ids with no lookup result in the US storefront: {sorted(missing)}"
