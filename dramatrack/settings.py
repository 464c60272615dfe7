"""The one settings object: every knob comes from ``DRAMATRACK_*`` environment variables.

Lists accept either JSON (``["us","gb"]``) or a comma-separated string (``us,gb``).
Secrets (webhook URLs with tokens, SMTP passwords) are only ever read from the environment or from
Airflow connections and are typed ``SecretStr`` so they never appear in logs or reprs.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_COUNTRIES = [
    "us", "gb", "ca", "au", "de", "fr", "jp", "kr", "br", "mx", "id", "th", "ph", "in", "es", "it",
]

CommaList = Annotated[list[str], NoDecode]


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """DramaTrack configuration (environment variables prefixed ``DRAMATRACK_``)."""

    model_config = SettingsConfigDict(env_prefix="DRAMATRACK_", extra="ignore")

    data_dir: Path = Field(default=REPO_ROOT / "data", description="Warehouse, WARC archive, snapshots, Data Docs.")
    catalog_path: Path = Field(default=REPO_ROOT / "catalog" / "apps.yaml", description="The tracked-app catalog.")
    countries: CommaList = Field(default_factory=lambda: list(DEFAULT_COUNTRIES))

    # Per-source base URLs: a test, a mirror or the fault-injection server points a source elsewhere.
    appstore_rss_base_url: str = "https://rss.applemarketingtools.com"
    itunes_base_url: str = "https://itunes.apple.com"
    google_play_base_url: str = "https://play.google.com"
    news_base_url: str = "https://news.google.com"

    # Politeness.
    user_agent: str = "DramaTrack/0.1 (+https://github.com/dramatrack/dramatrack; market research crawler)"
    requests_per_second_per_host: float = Field(default=1.0, gt=0)
    host_rate_overrides: dict[str, float] = Field(
        default_factory=lambda: {"play.google.com": 1.0},
        description='{"host": requests_per_second}; Google answers 429 readily, so Play stays at ~1/s.',
    )
    max_concurrency_per_host: int = Field(default=2, ge=1)
    rate_jitter: float = Field(default=0.25, ge=0, le=1, description="± fraction of the per-request interval.")
    max_workers: int = Field(default=8, ge=1, description="Threads fetching different hosts/countries at once.")
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_response_bytes: int = 16 * 1024 * 1024
    max_retries: int = 5
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 120.0
    respect_robots_txt: bool = True
    allowed_hosts: CommaList = Field(
        default_factory=lambda: [
            "rss.applemarketingtools.com",
            "rss.marketingtools.apple.com",
            "itunes.apple.com",
            "apps.apple.com",
            "play.google.com",
            "news.google.com",
        ]
    )

    # App Store fetch plan.
    rss_v2_limit: int = Field(default=100, ge=1, le=100)
    legacy_rss_limit: int = Field(default=200, ge=1, le=200)
    lookup_batch_size: int = Field(default=100, ge=1, le=200)
    entertainment_genre_id: str = "6016"

    # Google Play fetch plan.
    play_language: str = "en"
    play_chart_count: int = Field(default=200, ge=1, le=200)
    play_max_details_per_country: int = Field(default=250, ge=0, description="Cap on app pages per country per day.")

    # Validation bounds.
    chart_min_size: int = 10
    chart_max_size: int = 200
    installs_drop_tolerance: float = Field(
        default=0.02, ge=0, le=1, description="Allowed relative drop of Google Play exact installs between snapshots."
    )

    # Alert targets (secrets stay out of the repo: environment or Airflow connections only).
    alert_webhook_url: SecretStr | None = None
    alert_slack_webhook_url: SecretStr | None = None
    alert_emails: CommaList = Field(default_factory=list)
    alert_timeout_seconds: float = Field(default=10.0, gt=0, description="Timeout of one webhook / Slack / SMTP send.")

    # Freshness: a source with no batch loaded within its window (hours) alerts (dags/freshness_check.py).
    freshness_hours: dict[str, int] = Field(
        default_factory=lambda: {"app_store": 36, "google_play": 36, "news": 6},
        description='{"source": hours}; a source missing here (or with 0) is not checked.',
    )

    _split = field_validator("countries", "allowed_hosts", "alert_emails", mode="before")(_split_list)

    @field_validator("countries")
    @classmethod
    def _lower_countries(cls, value: list[str]) -> list[str]:
        out = [c.lower() for c in value]
        bad = [c for c in out if len(c) != 2 or not c.isalpha()]
        if bad:
            raise ValueError(f"countries must be ISO 3166 alpha-2 codes, got {bad}")
        return out

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def snapshot_path(self) -> Path:
        return self.data_dir / "analytics.duckdb"

    @property
    def warc_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def gx_dir(self) -> Path:
        return self.data_dir / "gx"

    def source_hosts(self) -> set[str]:
        """Hosts of the configured base URLs: always allowed, so a mirror or test server works."""
        urls = [self.appstore_rss_base_url, self.itunes_base_url, self.google_play_base_url, self.news_base_url]
        return {urlsplit(u).hostname or "" for u in urls} - {""}

    def all_allowed_hosts(self) -> set[str]:
        return set(self.allowed_hosts) | self.source_hosts()

    def rate_for_host(self, host: str) -> float:
        return self.host_rate_overrides.get(host, self.requests_per_second_per_host)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; call ``get_settings.cache_clear()`` after changing the env)."""
    return Settings()
