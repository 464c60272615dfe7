"""The one settings object: every knob comes from ``DRAMATRACK_*`` environment variables.

Lists accept either JSON (``["us","gb"]``) or a comma-separated string (``us,gb``).
Secrets (webhook URLs with tokens, SMTP passwords) are only ever read from the environment or from
Airflow connections and are typed ``SecretStr`` so they never appear in logs or reprs.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_COUNTRIES = [
    "us", "gb", "ca", "au", "de", "fr", "jp", "kr", "br", "mx", "id", "th", "ph", "in", "es", "it",
]

CommaList = Annotated[list[str], NoDecode]

DEFAULT_NEWS_EDITIONS = ["en-US:US", "zh-CN:CN"]
DEFAULT_NEWS_TOPICS = ["short drama app", "micro drama", "vertical drama", "短剧 出海", "微短剧 海外", "短剧 APP"]
DEFAULT_NEWS_FEEDS = ["https://www.businessofapps.com/feed/", "zh-CN|https://36kr.com/feed"]


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
    duckdb_lock_timeout_seconds: float = Field(
        default=300.0, ge=0,
        description="How long a read-write warehouse connection waits for another process's DuckDB lock.",
    )
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
    http_response_deadline_seconds: float = Field(
        default=60.0, gt=0,
        description="Total time one HTTP attempt may take, connect to last body byte (read_timeout bounds each "
                    "socket read only); past it the socket is shut down and the attempt is retried.",
    )
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
    lookup_batch_size: int = Field(
        default=200, ge=1, le=200,
        description="Ids per iTunes Lookup call: 200 is the most the endpoint answers (more: HTTP 502).",
    )
    entertainment_genre_id: str = "6016"

    # Google Play fetch plan.
    play_language: str = "en"
    play_chart_count: int = Field(default=200, ge=1, le=200)
    play_max_details_per_country: int = Field(default=250, ge=0, description="Cap on app pages per country per day.")
    play_details_plan: Literal["once", "per_country"] = Field(
        default="once",
        description="once: each app's details page once a day, attached to every country that wants it (its "
                    "figures are global); per_country: every country fetches its own (extractors/crawl_plan.py).",
    )
    play_home_storefront: str = Field(
        default="us", pattern="^[a-z]{2}$",
        description="Where an app's page is fetched under the once plan when it charts there and the catalog "
                    "names no home_storefront for it.",
    )

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

    # Event-driven orchestration (docs/orchestration.md).
    dag_start_date: date = Field(
        default=date(2000, 1, 1),
        description="Every DAG's start_date (read when a DAG file is parsed): back-fills reach no earlier day.",
    )
    ingest_floor_cron: dict[str, str] = Field(
        default_factory=dict,
        description='{"source": "cron"} overriding the daily floor of an ingest DAG (read when the DAG file is '
                    'parsed); watcher events start ingests in between.',
    )
    feed_watch_interval_seconds: float = Field(
        default=900.0, ge=0, description="How often the chart-feed watchers poll (0 = feed watchers stay idle)."
    )
    feed_watch_countries: CommaList = Field(
        default_factory=lambda: ["us"], description="Storefronts whose top-free chart the feed watchers poll."
    )
    feed_watch_cooldown_minutes: float = Field(
        default=180.0, ge=0, description="A feed watcher fires at most once per this many minutes."
    )
    inbox_poll_seconds: float = Field(default=10.0, gt=0, description="How often the inbox watchers scan.")
    inbox_settle_seconds: float = Field(
        default=2.0, ge=0, description="An inbox file is picked up once unmodified for this long (half-written drops wait)."
    )
    inbox_redis_url: str | None = Field(
        default=None, description="Redis to subscribe to for re-run requests (channel inbox_redis_channel); None = off."
    )
    inbox_redis_channel: str = "dramatrack:inbox"
    rank_jump_threshold: int = Field(
        default=20, ge=1, description="A short-drama app moving at least this many ranks in a chart is a market event."
    )
    entrant_lookback_days: int = Field(
        default=7, ge=1, description="A new entrant was in none of the chart's snapshots of this many days before."
    )
    deep_dive_fetch: str = Field(
        default="auto", pattern="^(auto|live|archive|off)$",
        description="app_deep_dive: live, archive (answer from the replayed data's WARC only), off, or auto "
                    "(archive when the market event came from replayed batches, else live).",
    )
    deep_dive_max_apps: int = Field(default=50, ge=1, description="Cap on apps fetched by one deep dive.")
    catalog_candidates_path: Path | None = Field(
        default=None, description="Where app_deep_dive records new candidate apps; default candidates.yaml "
                                  "beside catalog_path (apps.yaml is never rewritten).",
    )

    _split_events = field_validator("feed_watch_countries", mode="before")(_split_list)

    # News: Google News RSS searches (every catalog app + news_topics, per edition) and industry feeds
    # (extractors/news.py). One news batch per edition per day; a bad feed response fails only itself.
    news_editions: CommaList = Field(
        default_factory=lambda: list(DEFAULT_NEWS_EDITIONS),
        description='Google News editions as "language:country" (hl:gl), e.g. en-US:US, zh-CN:CN; the ceid '
                    'language may follow as a third part (zh-CN:CN:zh-Hans).',
    )
    news_topics: CommaList = Field(
        default_factory=lambda: list(DEFAULT_NEWS_TOPICS),
        description="Market queries searched besides the app names (CJK queries in CJK editions only).",
    )
    news_feeds: CommaList = Field(
        default_factory=lambda: list(DEFAULT_NEWS_FEEDS),
        description='Industry RSS/Atom feed URLs (fetched live only); "zh-CN|https://..." files a feed under that '
                    "edition's batch (default: the first edition). Their hosts are allowed.",
    )
    news_future_tolerance_hours: float = Field(
        default=6.0, ge=0, description="An article published more than this many hours after it was fetched fails "
                                       "validation (its feed is quarantined).",
    )
    reported_figure_floor: float = Field(
        default=1000.0, ge=0, description="A reported revenue or download figure below this is implausible (a "
                                          "citation or list number read as a value): rejected, the article loads.",
    )
    reported_rank_max: int = Field(default=500, ge=1, description="A reported chart rank above this is rejected.")
    reported_users_max: float = Field(
        default=5.6e9, gt=0, description="A reported user count above this (about the world's internet "
                                         "population) is rejected.",
    )

    _split_news = field_validator("news_editions", "news_topics", "news_feeds", mode="before")(_split_list)

    @field_validator("news_editions")
    @classmethod
    def _check_news_editions(cls, value: list[str]) -> list[str]:
        import re

        bad = [e for e in value if not re.fullmatch(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*:[A-Z]{2}(?::[A-Za-z-]+)?", e)]
        if bad or not value:
            raise ValueError(f'news_editions must be "language:COUNTRY" (en-US:US), got {bad or value}')
        return value

    def news_feed_hosts(self) -> set[str]:
        """Hosts of the configured industry feeds (allowed, like the source base URLs)."""
        hosts = set()
        for entry in self.news_feeds:
            url = entry.split("|", 1)[-1].strip()
            try:
                hosts.add((urlsplit(url).hostname or "").lower())
            except ValueError:
                continue
        return hosts - {""}

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
        return set(self.allowed_hosts) | self.source_hosts() | self.news_feed_hosts()

    def rate_for_host(self, host: str) -> float:
        return self.host_rate_overrides.get(host, self.requests_per_second_per_host)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; call ``get_settings.cache_clear()`` after changing the env)."""
    return Settings()
