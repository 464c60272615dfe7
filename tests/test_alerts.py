"""Alerts: rendering escapes scraped values, keys are stable, dispatch sends once per target, freshness.

The integration test plants a duplicate rank in one App Store batch, runs ``stage_validate_load`` through
Airflow (``dag.test``) twice, then calls the task's notifier again as a retry would: exactly one webhook
POST, one Slack POST (loopback HTTP server), one email (aiosmtpd on loopback) and one ``ops.alerts`` row per
target must come out, each naming the batch, date, country, failed expectation and Data Docs page.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import socket
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from dramatrack.alerts.dispatch import dispatch_alert, resolve_targets, url_from_connection, with_warehouse
from dramatrack.alerts.freshness import check_freshness
from dramatrack.alerts.message import (
    STALE_SOURCE,
    VALIDATION_FAILED,
    alert_from_report,
    clean,
    make_alert_key,
    render_html,
    render_slack,
    render_text,
    render_webhook,
)
from dramatrack.settings import Settings, get_settings
from tests.loopback_server import LoopbackServer, Reply

DAY = date(2026, 12, 5)  # a day no other test runs the DAGs for
COUNTRIES = ["us", "mx"]
BAD_BATCH = f"app_store:{DAY.isoformat()}:mx"
WEBHOOK_PATH = "/hook?token=s3cret-webhook"
SLACK_PATH = "/services/T000/B000/s3cretslack"
EMAIL_TO = "ops@example.test"
EVIL = "<script>alert('x')</script> A&B \x07bell\x1b[31m \u202eevil` *bold*"


def _report(*, failures=None, batch_id="app_store:2026-11-01:mx", order=1, docs="file:///gx/docs/page.html"):
    failures = failures or [
        {"expectation": "expect_compound_columns_to_be_unique", "column": "rank", "unexpected_count": 2,
         "examples": [EVIL, "plain"]},
        {"expectation": "expect_column_values_to_not_be_null", "column": "name", "unexpected_count": 1,
         "examples": [None]},
    ]
    batches = [
        {"batch_id": "app_store:2026-11-01:us", "source": "app_store", "country": "us",
         "snapshot_date": "2026-11-01", "status": "passed", "failures": [], "warc_paths": []},
        {"batch_id": batch_id, "source": "app_store", "country": "mx", "snapshot_date": "2026-11-01",
         "status": "failed", "failures": failures[::order], "warc_paths": ["/raw/mx.warc.gz"]},
    ]
    return {"run_id": "r", "sources": ["app_store"], "snapshot_dates": ["2026-11-01"],
            "data_docs_urls": [docs] if docs else [], "batches": batches[::order]}


def _settings(tmp_path, **overrides) -> Settings:
    """Settings with no target from the environment (the integration fixture sets some)."""
    values = {"data_dir": tmp_path, "alert_webhook_url": None, "alert_slack_webhook_url": None, "alert_emails": []}
    return Settings(**(values | overrides))


# --------------------------------------------------------------------------------------------------------
# Unit: messages


def test_rendering_escapes_scripts_and_control_characters():
    alert = alert_from_report(_report(batch_id="app_store:2026-11-01:mx<b>"))
    assert alert is not None and alert.kind == VALIDATION_FAILED

    html_body = render_html(alert)
    assert "<script" not in html_body and "&lt;script&gt;" in html_body
    assert "A&amp;B" in html_body and "mx&lt;b&gt;" in html_body
    for raw in ("\x07", "\x1b", "\u202e"):
        assert raw not in html_body
    assert "\\x07bell\\x1b" in html_body and "\\u202e" in html_body
    assert 'href="file:///gx/docs/page.html"' in html_body

    slack = render_slack(alert)
    texts = [slack["text"]] + [b["text"]["text"] for b in slack["blocks"] if "text" in b]
    joined = "\n".join(texts)
    assert "<script" not in joined and "&lt;script&gt;" in joined and "A&amp;B" in joined
    assert all(raw not in joined for raw in ("\x07", "\x1b", "\u202e"))
    # the only `<...>` left is the Data Docs link
    assert joined.count("<") == joined.count("<file:///gx/docs/page.html|Data Docs>")
    assert all(len(b["text"]["text"]) <= 3000 for b in slack["blocks"] if "text" in b)

    text = render_text(alert)
    assert "\x07" not in text and "\\x07" in text
    body = json.dumps(render_webhook(alert))
    assert "\\u0007" not in body and "app_store:2026-11-01:mx<b>" in body  # JSON carries the cleaned value


def test_a_javascript_docs_url_is_not_linked():
    alert = alert_from_report(_report(docs="javascript:alert(1)"))
    assert "javascript:" not in render_html(alert)
    assert "javascript:" not in json.dumps(render_slack(alert))


def test_alert_key_is_stable_across_retries_and_changes_with_the_failure():
    first = alert_from_report(_report(), now=datetime(2026, 11, 1, 7, tzinfo=UTC))
    retry = alert_from_report(_report(order=-1), now=datetime(2026, 11, 1, 9, tzinfo=UTC))
    assert first.alert_key == retry.alert_key and first.created_at != retry.created_at
    other = alert_from_report(_report(failures=[{"expectation": "expect_x", "unexpected_count": 1, "examples": []}]))
    assert other.alert_key != first.alert_key
    assert make_alert_key(STALE_SOURCE, [], [], ("news", "2026-11-01")) != make_alert_key(
        STALE_SOURCE, [], [], ("news", "2026-11-02"))
    assert alert_from_report({"batches": [{"batch_id": "b", "status": "passed"}]}) is None


def test_clean_shortens_and_makes_controls_visible():
    assert clean("a\nb\tc\x00") == "a\\x0ab\\x09c\\x00"
    assert len(clean("x" * 500)) == 200


def test_url_from_connection_variants():
    class Conn:
        def __init__(self, host=None, schema=None, port=None, password=None, extra=None):
            self.host, self.schema, self.port, self.password = host, schema, port, password
            self.extra_dejson = extra or {}

    assert url_from_connection(Conn(extra={"url": "https://x.test/h"})) == "https://x.test/h"
    assert url_from_connection(Conn("127.0.0.1", "http", 8080, extra={"endpoint": "/a/b"})) == "http://127.0.0.1:8080/a/b"
    assert url_from_connection(Conn("https://hooks.example.test/services", password="T/B/X")) == (
        "https://hooks.example.test/services/T/B/X")
    assert url_from_connection(Conn("hooks.example.test")) == "https://hooks.example.test/"
    assert url_from_connection(None) is None


# --------------------------------------------------------------------------------------------------------
# Unit: dispatch dedupe


def test_dispatch_sends_each_target_once_and_retries_only_failures(tmp_path, monkeypatch, caplog):
    from dramatrack.alerts import senders

    calls: list[str] = []
    slack_fails = [True]

    def webhook(url, payload, timeout):
        calls.append("webhook")

    def slack(url, payload, timeout):
        calls.append("slack")
        if slack_fails[0]:
            raise senders.SendError("HTTP 500")

    monkeypatch.setattr(senders, "send_webhook", webhook)
    monkeypatch.setattr(senders, "send_slack", slack)
    settings = _settings(tmp_path)
    targets = {"webhook": "https://hooks.test/secret-token-1", "slack": "https://slack.test/secret-token-2"}
    alert = alert_from_report(_report())

    caplog.set_level("DEBUG")
    assert dispatch_alert(alert, settings, conn_targets=targets) == {"webhook": "sent", "slack": "failed", "ops": "sent"}
    slack_fails[0] = False
    assert dispatch_alert(alert, settings, conn_targets=targets) == {
        "webhook": "skipped", "slack": "sent", "ops": "skipped"}
    assert dispatch_alert(alert, settings, conn_targets=targets) == {
        "webhook": "skipped", "slack": "skipped", "ops": "skipped"}
    assert calls == ["webhook", "slack", "slack"]

    rows = with_warehouse(settings, lambda c: c.execute(
        "SELECT target, status, attempts, error, sent_at IS NOT NULL FROM ops.alerts ORDER BY target").fetchall())
    assert rows == [("ops", "sent", 1, None, True), ("slack", "sent", 2, None, True),
                    ("webhook", "sent", 1, None, True)]
    dump = with_warehouse(settings, lambda c: str(c.execute("SELECT * FROM ops.alerts").fetchall()))
    assert "secret-token" not in dump and "secret-token" not in caplog.text


def test_targets_connections_win_over_settings():
    settings = Settings(alert_webhook_url="https://settings.test/w", alert_slack_webhook_url="https://settings.test/s",
                        alert_emails="a@x.test,b@x.test")
    both = resolve_targets(settings, {"webhook": "https://conn.test/w", "email": ["c@x.test"]})
    assert both.webhook_url == "https://conn.test/w" and both.slack_url == "https://settings.test/s"
    assert both.emails == ("c@x.test",) and both.configured() == ["webhook", "slack", "email"]
    assert "settings.test" not in repr(both) and "conn.test" not in repr(both)
    assert resolve_targets(_settings(Path("/nonexistent")), {}).configured() == []


# --------------------------------------------------------------------------------------------------------
# Integration: loopback HTTP + SMTP servers, the DAG through Airflow, a retry


class _SmtpSink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def http_server():
    with LoopbackServer() as server:
        server.script("/hook", Reply(200, b"ok"))
        server.script(SLACK_PATH, Reply(200, b"ok"))
        server.script("/fresh", Reply(200, b"ok"))
        yield server


@pytest.fixture(scope="module")
def smtp_sink():
    from aiosmtpd.controller import Controller

    sink = _SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def planted_failure(tmp_path_factory, airflow_db, http_server, smtp_sink):
    """``stage_validate_load`` run twice through Airflow on a capture with a planted defect in mx."""
    data_dir = tmp_path_factory.mktemp("alerts-data")
    env = {
        "DRAMATRACK_DATA_DIR": str(data_dir),
        "DRAMATRACK_COUNTRIES": ",".join(COUNTRIES),
        "DRAMATRACK_ALERT_WEBHOOK_URL": http_server.url(WEBHOOK_PATH),  # settings
        "DRAMATRACK_ALERT_EMAILS": EMAIL_TO,
        "AIRFLOW_CONN_DRAMATRACK_SLACK": json.dumps({  # an Airflow connection
            "conn_type": "http", "host": "127.0.0.1", "port": http_server.port, "schema": "http",
            "extra": {"endpoint": SLACK_PATH}}),
        "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": smtp_sink[1],
            "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "dramatrack@example.test",
                      "timeout": 10, "retry_limit": 0}}),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    get_settings.cache_clear()
    try:
        settings = get_settings()
        from airflow.dag_processing.dagbag import DagBag

        from dramatrack.local_airflow import DAGS_FOLDER, EmbeddedAirflow
        from dramatrack.pipeline.ingest import ingest
        from sample_data.generate_capture import generate

        capture = data_dir / "capture"
        generate(capture, DAY, 1, COUNTRIES, plant_defect=("mx", 0), settings=settings)
        manifests = ingest(settings, "app_store", DAY, COUNTRIES, replay=capture)
        conf = {"asset_events": [{"batches": [m.to_json() for m in manifests]}]}

        airflow = EmbeddedAirflow.__new__(EmbeddedAirflow)  # only this DAG file: others are not under test
        airflow.bag = DagBag(str(DAGS_FOLDER / "stage_validate_load.py"))
        assert airflow.bag.import_errors == {}
        first = airflow.run("stage_validate_load", DAY, conf)
        reports = sorted((data_dir / "staging" / "reports" / DAY.isoformat()).glob("report-*.json"))
        first_report = json.loads(reports[0].read_text(encoding="utf-8"))
        second = airflow.run("stage_validate_load", DAY, conf)  # the same failure again
        yield {"settings": settings, "runs": [first, second], "report": first_report, "report_path": reports[0]}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


def test_planted_failure_alerts_each_target_exactly_once(planted_failure, http_server, smtp_sink):
    from dramatrack.alerts.notifier import ValidationAlertNotifier

    runs = planted_failure["runs"]
    assert [(r.state, r.failed_tasks) for r in runs] == [("failed", ["fail_on_quarantine"])] * 2

    class RetriedTI:  # what a retried task instance would hand the notifier: the same report
        def xcom_pull(self, task_ids):
            assert task_ids == "stage_and_validate"
            return str(planted_failure["report_path"])

    results = ValidationAlertNotifier().notify({"ti": RetriedTI()})
    assert results == {"webhook": "skipped", "slack": "skipped", "email": "skipped", "ops": "skipped"}

    report = planted_failure["report"]
    docs_url = report["data_docs_urls"][0]
    failed = [b for b in report["batches"] if b["status"] == "failed"]
    assert [b["batch_id"] for b in failed] == [BAD_BATCH]
    expectation = failed[0]["failures"][0]["expectation"]

    webhook_posts = [r for r in http_server.requests if r.path == WEBHOOK_PATH]
    slack_posts = [r for r in http_server.requests if r.path == SLACK_PATH]
    assert [r.method for r in webhook_posts] == ["POST"] and [r.method for r in slack_posts] == ["POST"]

    body = json.loads(webhook_posts[0].body)
    assert body["kind"] == VALIDATION_FAILED and body["source"] == "app_store"
    assert body["batch_ids"] == [BAD_BATCH] and body["snapshot_dates"] == [DAY.isoformat()]
    assert body["countries"] == ["mx"] and body["data_docs_url"] == docs_url
    assert expectation in {f["expectation"] for f in body["failures"]}
    assert all(f["examples"] for f in body["failures"])

    slack = json.loads(slack_posts[0].body)
    slack_text = json.dumps(slack)
    for needle in (BAD_BATCH, DAY.isoformat(), "`mx`", expectation, docs_url):
        assert needle in slack_text, needle

    sink, _port = smtp_sink
    assert len(sink.messages) == 1
    mail_from, rcpts, content = sink.messages[0]
    assert rcpts == [EMAIL_TO] and mail_from == "dramatrack@example.test"
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert "mx" in message["Subject"] and DAY.isoformat() in message["Subject"]
    html_part = message.get_body(("html",)).get_content()
    for needle in (BAD_BATCH, DAY.isoformat(), ">mx<", expectation, docs_url):
        assert needle in html_part, needle

    with duckdb.connect(str(planted_failure["settings"].warehouse_path), read_only=True) as conn:
        rows = conn.execute(
            "SELECT target, status, attempts, batch_ids, countries, snapshot_dates, data_docs_url, summary "
            "FROM ops.alerts ORDER BY target").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("email", "sent", 1), ("ops", "sent", 1), ("slack", "sent", 1), ("webhook", "sent", 1)]
    for _t, _s, _a, batch_ids, countries, dates, url, summary in rows:
        assert json.loads(batch_ids) == [BAD_BATCH] and json.loads(countries) == ["mx"]
        assert json.loads(dates) == [DAY.isoformat()] and url == docs_url and expectation in summary
        assert "s3cret" not in str(rows)


def test_freshness_alerts_a_stale_source_once_per_day(tmp_path, http_server):
    from warehouse.connection import run_sql

    settings = _settings(tmp_path, freshness_hours={"app_store": 36, "google_play": 36, "news": 6})

    def seed(conn):
        for batch_id, source in (("app_store:2026-11-03:us", "app_store"), ("google_play:2026-11-01:us", "google_play")):
            run_sql(conn, "record_batch.sql", {
                "batch_id": batch_id, "source": source, "snapshot_date": batch_id.split(":")[1], "country": "us",
                "status": "loaded", "row_counts": "{}", "warc_paths": "[]"})
        conn.execute("UPDATE ops.load_batches SET loaded_at = current_timestamp - INTERVAL 3 DAY "
                     "WHERE source = 'google_play'")

    with_warehouse(settings, seed)
    # noon of today: alerts are keyed per UTC day, so "an hour later" must not cross midnight (this test failed
    # when run at 23:30 UTC). Loads are at most 12 h from it either way: app_store stays fresh (36 h window)
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    targets = {"webhook": http_server.url("/fresh")}
    before = http_server.hits("/fresh")
    first = check_freshness(settings, now, conn_targets=targets)
    again = check_freshness(settings, now + timedelta(minutes=60), conn_targets=targets)
    assert first == {"google_play": {"webhook": "sent", "ops": "sent"}}  # app_store fresh, news never ran
    assert again == {"google_play": {"webhook": "skipped", "ops": "skipped"}}
    assert http_server.hits("/fresh") - before == 1
    posted = json.loads([r for r in http_server.requests if r.path == "/fresh"][-1].body)
    assert posted["kind"] == STALE_SOURCE and posted["batch_ids"] == ["google_play:2026-11-01:us"]
    assert "36 h" in posted["summary"]
    later = check_freshness(settings, now + timedelta(days=3), conn_targets=targets)
    assert later == {s: {"webhook": "sent", "ops": "sent"} for s in ("app_store", "google_play")}  # new day, new key


def test_freshness_dag_is_light_and_hourly(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    from dramatrack.assets import DUCKDB_WRITER_POOL
    from dramatrack.local_airflow import DAGS_FOLDER

    bag = DagBag(str(DAGS_FOLDER / "freshness_check.py"))
    assert bag.import_errors == {}
    dag = bag.get_dag("freshness_check")
    assert dag.get_task("check_freshness").pool == DUCKDB_WRITER_POOL
    svl = DagBag(str(DAGS_FOLDER / "stage_validate_load.py")).get_dag("stage_validate_load")
    callbacks = svl.get_task("fail_on_quarantine").on_failure_callback
    assert [type(c).__name__ for c in callbacks] == ["ValidationAlertNotifier"]
    assert not svl.get_task("load").on_failure_callback


def test_docs_describe_alerts():
    text = (Path(__file__).resolve().parents[1] / "docs" / "alerts.md").read_text(encoding="utf-8")
    for needle in ("dramatrack_webhook", "dramatrack_slack", "smtp_default", "DRAMATRACK_FRESHNESS_HOURS",
                   "alert_key", "ops.alerts"):
        assert needle in text


def test_one_cause_gives_one_alert_listing_every_item():
    """Issue 15 case 5: a robots.txt refusing one origin fails every search of two editions: one alert for
    that origin and cause, listing all of them; an unrelated failure is its own alert."""
    from dramatrack.alerts.message import alerts_by_cause, render_text

    robots = ("http://news.example:8080/robots.txt could not be fetched (news.example: "
              "http://news.example:8080/robots.txt: HTTP 500; gave up after 4 attempts): everything disallowed")
    batches = []
    for edition in ("en-US", "en-GB"):
        batch = f"news:2026-11-02:{edition}"
        batches.append({"batch_id": batch, "source": "news", "country": edition, "snapshot_date": "2026-11-02",
                        "status": "failed", "failures": [{
                            "expectation": "batch_fetched_and_parsed", "column": None, "unexpected_count": 1,
                            "examples": [f"news {edition}: none of the 4 searches and feeds could be fetched: "
                                         f"robots.txt disallows <url> {robots} (4 of 4)"]}]})
        for q in range(4):
            url = f"http://news.example:8080/rss/search?q=q{q}&gl={edition[-2:]}"
            batches.append({"batch_id": f"{batch}:q-{q}", "parent": batch, "source": "news", "country": edition,
                            "snapshot_date": "2026-11-02", "status": "failed", "failures": [{
                                "expectation": "batch_fetched_and_parsed", "column": None, "unexpected_count": 1,
                                "examples": [f"news.example: {url}: robots.txt disallows {url}: {robots}"]}]})
    batches.append({"batch_id": "app_store:2026-11-02:gb", "source": "app_store", "country": "gb",
                    "snapshot_date": "2026-11-02", "status": "failed", "failures": [{
                        "expectation": "expect_column_values_to_be_between", "column": "user_rating_count_fill",
                        "unexpected_count": 39, "examples": ["0.0"]}]})
    alerts = alerts_by_cause({"batches": batches})
    by_items = {len(a.batch_ids): a for a in alerts}
    robots_alert = by_items[8]
    assert robots_alert.batch_ids == tuple(sorted(b["batch_id"] for b in batches if b.get("parent")))
    assert "robots.txt" in robots_alert.summary and "http://news.example:8080" in robots_alert.summary
    assert all(item in render_text(robots_alert) for item in robots_alert.batch_ids), "the alert lists the items"
    # the two editions' batch-level lines share a cause too; the App Store layout change is its own alert
    assert sorted(len(a.batch_ids) for a in alerts) == [1, 2, 8]
    assert len({a.alert_key for a in alerts}) == 3
    assert [a.alert_key for a in alerts_by_cause({"batches": batches})] == [a.alert_key for a in alerts]
