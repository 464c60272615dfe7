"""No secret in the repository, and no secret setting in any log.

* The git-tracked tree (plus untracked files that are not ignored: what the next commit could add) holds no
  private key, AWS key, Slack/GitHub token, Slack webhook or password inside a URL; ``.env`` is ignored.
* Settings that hold secrets are ``SecretStr``: masked in ``repr``/``str``/JSON dumps.
* A pipeline day with a quarantine, run with the alert webhook and Slack URLs (carrying tokens) set through
  the environment, then alerted to both, never writes the tokens to a log record, stdout/stderr, the
  validation report or ``ops.alerts``.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import subprocess
from datetime import date
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]

CREDENTIAL_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret key": re.compile(r"(?i)aws_?secret_?access_?key\s*[=:]\s*['\"]?[A-Za-z0-9/+=]{40}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}"),
    "Slack webhook": re.compile(r"hooks\.slack\.com/services/T[0-9A-Z]{6,}/B[0-9A-Z]{6,}/[0-9A-Za-z]{16,}"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[0-9A-Za-z]{36,}|github_pat_[0-9A-Za-z_]{40,})\b"),
    "password in URL": re.compile(r"\b[a-z][a-z0-9+.-]{1,20}://[^/\s:@'\"<>]{1,64}:([^/\s@'\"<>]{1,128})@"),
}
# A URL password that is a placeholder, not a credential: ${VAR}, $VAR, {var}, <var>, ***, or a word that says so.
_PLACEHOLDER = re.compile(r"^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{[^}]*\}|<[^>]*>|\*+|x+|\.\.\.|%\(?\w*\)?s?"
                          r"|password|passwd|pass|secret|pw|pwd|changeme|example)$", re.IGNORECASE)
_MAX_BYTES = 5 * 1024 * 1024


def _candidate_files() -> list[Path]:
    """Tracked files and untracked, non-ignored files (what a commit would carry)."""
    out = []
    for args in (["ls-files", "-z"], ["ls-files", "-z", "--others", "--exclude-standard"]):
        listing = subprocess.run(["git", *args], cwd=REPO, capture_output=True, check=True).stdout
        out += [REPO / p for p in listing.decode("utf-8", "surrogateescape").split("\0") if p]
    return sorted({p for p in out if p.is_file()})


def find_credentials(text: str) -> list[tuple[str, str]]:
    """(kind, the matching text, shortened) of every credential-looking string in ``text``."""
    hits = []
    for kind, pattern in CREDENTIAL_PATTERNS.items():
        for match in pattern.finditer(text):
            if kind == "password in URL" and _PLACEHOLDER.match(match.group(1)):
                continue
            hits.append((kind, match.group(0)[:60]))
    return hits


def test_the_scanner_finds_what_it_looks_for():
    fake = {  # assembled at run time, so this file itself holds none of them
        "private key": "-----BEGIN " + "RSA PRIVATE KEY-----",
        "AWS access key id": "AKIA" + "ABCDEFGHIJKLMNOP",
        "Slack token": "xo" + "xb-" + "1234567890-abcdefghij",
        "Slack webhook": "https://hooks.slack.com/services/" + "T0123ABCD/B0123ABCD/" + "a1b2c3d4e5f6g7h8i9j0",
        "GitHub token": "gh" + "p_" + "a" * 36,
        "password in URL": "postgresql://airflow:" + "s3cr3t-Value" + "@db:5432/airflow",
    }
    for kind, text in fake.items():
        assert kind in {k for k, _ in find_credentials(f"x = '{text}'")}, kind
    assert find_credentials("postgresql://airflow:${POSTGRES_PASSWORD}@postgres/airflow") == []
    assert find_credentials("smtp://user:<password>@mail.example") == []


def test_no_credential_is_committed():
    files = _candidate_files()
    assert len(files) > 50
    found = []
    for path in files:
        data = path.read_bytes()[:_MAX_BYTES]
        if b"\0" in data[:8192]:
            continue  # binary
        for kind, text in find_credentials(data.decode("utf-8", "replace")):
            found.append(f"{path.relative_to(REPO)}: {kind}: {text}")
    assert found == []


def test_dotenv_is_ignored_and_the_example_holds_no_secret():
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO).returncode
    assert ignored == 0, ".env must be git-ignored"
    example = REPO / ".env.example"
    if example.exists():
        for line in example.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            if re.search(r"PASSWORD|SECRET|FERNET|TOKEN|WEBHOOK", key) and not line.lstrip().startswith("#"):
                assert value.strip() == "", f".env.example ships a value for {key}"


def _secret_values() -> dict[str, str]:
    token = secrets.token_hex(12)
    return {
        "DRAMATRACK_ALERT_WEBHOOK_URL": f"/hook/{token}-webhook",
        "DRAMATRACK_ALERT_SLACK_WEBHOOK_URL": f"/services/T{token.upper()}/B{token.upper()}/{token}slack",
    }


def test_secret_settings_are_masked_in_repr_and_dumps(monkeypatch):
    from dramatrack.settings import Settings

    values = {k: "https://hooks.example" + v for k, v in _secret_values().items()}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.alert_webhook_url.get_secret_value() == values["DRAMATRACK_ALERT_WEBHOOK_URL"]
    rendered = [repr(settings), str(settings), settings.model_dump_json(), json.dumps(settings.model_dump(),
                                                                                      default=str)]
    for text in rendered:
        for value in values.values():
            assert value not in text and value.rsplit("/", 1)[-1] not in text


def test_a_run_with_secrets_in_the_environment_never_logs_them(tmp_path, monkeypatch, caplog, capfd):
    from dramatrack.alerts.dispatch import dispatch_alert
    from dramatrack.alerts.message import alert_from_report
    from dramatrack.settings import get_settings
    from tests.fault_server import FaultServer, run_day
    from tests.loopback_server import LoopbackServer, Reply

    day = date(2026, 11, 1)
    with LoopbackServer() as hooks, FaultServer(start=day) as server:
        paths = _secret_values()
        for path in paths.values():
            hooks.script(path, Reply(500, b"nope"), Reply(200, b"ok"))  # first a failure, then a delivery
        secret_values = {k: hooks.url(v) for k, v in paths.items()}
        tokens = [v.rsplit("/", 1)[-1] for v in paths.values()]
        base = server.settings(tmp_path, ["us", "gb"])
        for key, value in secret_values.items():
            monkeypatch.setenv(key, value)
        for key in ("data_dir", "countries", "appstore_rss_base_url", "itunes_base_url", "google_play_base_url",
                    "allowed_hosts", "respect_robots_txt", "max_retries", "backoff_base_seconds", "read_timeout",
                    "rss_v2_limit", "legacy_rss_limit", "play_chart_count", "play_max_details_per_country",
                    "requests_per_second_per_host", "max_concurrency_per_host"):
            value = getattr(base, key)
            monkeypatch.setenv(f"DRAMATRACK_{key.upper()}", json.dumps(value) if isinstance(value, list | bool)
                               else str(value))
        monkeypatch.setenv("DRAMATRACK_ALLOWED_HOSTS", "127.0.0.1")
        get_settings.cache_clear()
        try:
            settings = get_settings()
            assert settings.alert_slack_webhook_url is not None
            server.inject("app_store", "gb", "html_instead_of_json")  # one quarantine: an alert to send
            caplog.set_level(logging.DEBUG, logger="dramatrack")
            caplog.set_level(logging.DEBUG, logger="extractors")
            caplog.set_level(logging.DEBUG, logger="warehouse")
            caplog.set_level(logging.INFO)
            logging.getLogger("dramatrack").info("settings in use: %r", settings)
            result = run_day(settings, day, ["us", "gb"], run_id="secrets")
            for path in paths.values():  # the run's own alerts (catalog check, estimates) took the first replies
                hooks.script(path, Reply(500, b"nope"), Reply(200, b"ok"))
            alert = alert_from_report(result["report"])
            first = dispatch_alert(alert, settings)
            second = dispatch_alert(alert, settings)
        finally:
            get_settings.cache_clear()
    assert first == {"webhook": "failed", "slack": "failed", "ops": "sent"}
    assert second["webhook"] == "sent" and second["slack"] == "sent"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    out, err = capfd.readouterr()
    report = json.dumps(result["report"])
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        alerts_rows = json.dumps(conn.execute("SELECT * FROM ops.alerts").fetchall(), default=str)
    assert "alert" in logged  # the run did log
    for text in (logged, out, err, report, alerts_rows):
        for token in tokens:
            assert token not in text
