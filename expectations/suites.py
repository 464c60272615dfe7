"""The Great Expectations suites, as code.

Every expectation here is row-level (a column-map, column-pair or compound-column expectation), so
each unexpected row can be traced back to its ``batch_id`` (one source × country × day) through
``unexpected_index_list``. Checks that are naturally per-chart (contiguous ranks, chart size) are
expressed against derived columns that :mod:`expectations.derived` adds before validation.

``great_expectations`` is imported inside the functions: importing it takes several seconds and
this module may be imported by DAG files at parse time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from transforms.news_records import METRICS as NEWS_METRICS
from transforms.records import CHARTS

if TYPE_CHECKING:
    import great_expectations as gx

    from dramatrack_config.settings import Settings

CHART_ENTRIES = "chart_entries"
APP_LOOKUPS = "app_lookups"
PLAY_APP_DETAILS = "play_app_details"
NEWS_ARTICLES = "news_articles"
REPORTED_METRICS = "reported_metrics"
REPORTED_FIGURES_PLAUSIBLE = "reported_figures_plausible"

STORES = ("app_store", "google_play")
MAX_RANK = 200
# App Store track ids are numeric; Google Play ids are Java-style package names.
APP_STORE_ID_REGEX = r"^[0-9]{6,12}$"
GOOGLE_PLAY_ID_REGEX = r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+$"

# The columns identifying one chart inside one batch (the batch column is prepended by the runner).
CHART_KEY = ("store", "country", "chart", "genre")

# Batch-level fill rates of the fields the marts and estimates read. One app without ratings is normal (too
# few ratings, a new app); the field missing from (almost) every row of a batch is a layout change (a renamed
# or moved field), never a quiet day. ``<field>_fill`` is derived per batch (expectations.derived); batches with
# fewer than FILL_MIN_ROWS rows are not judged.
FILL_RATE_FIELDS: dict[str, tuple[str, ...]] = {
    "app_lookups": ("user_rating_count", "average_user_rating"),
    "play_app_details": ("real_installs", "min_installs", "ratings", "score"),
}
MIN_FILL_RATE = 0.2
FILL_MIN_ROWS = 3
# A batch's fill rate below this fraction of the same field's rate over recent days in the same storefront is a
# layout change too (a field vanishing from most rows, not all): 90 % filled last week, 30 % today fails.
MIN_FILL_VS_RECENT = 0.5
RECENT_FILL_DAYS = 7


def fill_rate_expectations(suite: str) -> list[Any]:
    """Two expectations per field of ``FILL_RATE_FIELDS[suite]``: its batch's fill rate is at least MIN_FILL_RATE,
    and at least MIN_FILL_VS_RECENT of the rate over recent days (where known)."""
    import great_expectations as gx

    return [
        expectation
        for field in FILL_RATE_FIELDS[suite]
        for expectation in (
            gx.expectations.ExpectColumnValuesToBeBetween(
                column=f"{field}_fill", min_value=MIN_FILL_RATE,
                description=f"At least {MIN_FILL_RATE:.0%} of a batch's rows carry {field} (a field vanishing from "
                            f"a whole batch is a layout change; {field}_fill is the batch's fill rate)."),
            gx.expectations.ExpectColumnValuesToBeBetween(
                column=f"{field}_fill_vs_recent", min_value=MIN_FILL_VS_RECENT,
                description=f"A batch's fill rate of {field} is at least {MIN_FILL_VS_RECENT:.0%} of its rate over "
                            f"the last {RECENT_FILL_DAYS} loaded days in the storefront (a collapse against recent "
                            f"days is a layout change; {field}_fill_vs_recent is the ratio)."),
        )
    ]


def chart_entries_suite(settings: Settings, *, batch_column: str = "batch_id") -> gx.ExpectationSuite:
    """The suite for chart-entry frames (ChartEntry fields + batch column + derived columns)."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    E = gx.expectations
    chart_key = [batch_column, *CHART_KEY]
    expectations: list[Any] = [
        *[
            E.ExpectColumnValuesToNotBeNull(column=col, description=f"Every chart entry has a {col}.")
            for col in ("store", "country", "chart", "genre", "rank", "store_app_id", "name")
        ],
        E.ExpectColumnValuesToBeInSet(column="store", value_set=list(STORES), description="Known store."),
        E.ExpectColumnValuesToBeInSet(
            column="country",
            value_set=sorted(settings.countries),
            description="Country is a configured storefront.",
        ),
        E.ExpectColumnValuesToBeInSet(
            column="chart", value_set=list(CHARTS), description="Known chart name."
        ),
        E.ExpectColumnValuesToBeBetween(
            column="rank", min_value=1, max_value=MAX_RANK, description=f"Rank is within 1..{MAX_RANK}."
        ),
        E.ExpectColumnPairValuesToBeEqual(
            column_A="rank",
            column_B="expected_rank",
            description="Ranks of each chart are 1..N with no gap or duplicate (expected_rank = row number by rank).",
        ),
        E.ExpectCompoundColumnsToBeUnique(
            column_list=[*chart_key, "rank"], description="No two entries share a rank in one chart."
        ),
        E.ExpectCompoundColumnsToBeUnique(
            column_list=[*chart_key, "store_app_id"], description="No app appears twice in one chart."
        ),
        E.ExpectColumnValuesToMatchRegex(
            column="store_app_id",
            regex=APP_STORE_ID_REGEX,
            row_condition=Column(name="store") == "app_store",
            description="App Store ids are 6-12 digits.",
        ),
        E.ExpectColumnValuesToMatchRegex(
            column="store_app_id",
            regex=GOOGLE_PLAY_ID_REGEX,
            row_condition=Column(name="store") == "google_play",
            description="Google Play ids are package names.",
        ),
        E.ExpectColumnValuesToBeBetween(
            column="chart_size",
            min_value=settings.chart_min_size,
            max_value=settings.chart_max_size,
            description="Each chart has a plausible number of entries (chart_size = rows per chart).",
        ),
        E.ExpectColumnValuesToBeBetween(
            column="price", min_value=0, description="Price is non-negative when present."
        ),
    ]
    return gx.ExpectationSuite(name=CHART_ENTRIES, expectations=expectations)


def app_lookups_suite(settings: Settings, *, batch_column: str = "batch_id") -> gx.ExpectationSuite:
    """The suite for app-lookup frames (AppLookup fields + batch column)."""
    import great_expectations as gx

    E = gx.expectations
    expectations: list[Any] = [
        *[
            E.ExpectColumnValuesToNotBeNull(column=col, description=f"Every lookup has a {col}.")
            for col in ("country", "track_id", "name")
        ],
        E.ExpectColumnValuesToMatchRegex(
            column="track_id", regex=APP_STORE_ID_REGEX, description="App Store track ids are 6-12 digits."
        ),
        E.ExpectColumnValuesToBeInSet(
            column="country",
            value_set=sorted(settings.countries),
            description="Country is a configured storefront.",
        ),
        E.ExpectColumnValuesToBeBetween(
            column="user_rating_count", min_value=0, description="Rating count is non-negative when present."
        ),
        E.ExpectColumnValuesToBeBetween(
            column="average_user_rating",
            min_value=0,
            max_value=5,
            description="Average rating is within 0..5.",
        ),
        E.ExpectColumnValuesToBeBetween(
            column="price", min_value=0, description="Price is non-negative when present."
        ),
        E.ExpectCompoundColumnsToBeUnique(
            column_list=[batch_column, "country", "track_id"],
            description="One lookup per app per storefront.",
        ),
        *fill_rate_expectations(APP_LOOKUPS),
    ]
    return gx.ExpectationSuite(name=APP_LOOKUPS, expectations=expectations)


def play_app_details_suite(settings: Settings, *, batch_column: str = "batch_id") -> gx.ExpectationSuite:
    """The suite for Google Play app snapshots (PlayAppDetails fields + batch column + derived columns)."""
    import great_expectations as gx

    E = gx.expectations
    expectations: list[Any] = [
        *[
            E.ExpectColumnValuesToNotBeNull(column=col, description=f"Every app page yields a {col}.")
            for col in ("country", "app_id", "title", "developer", "installs_text")
        ],
        E.ExpectColumnValuesToMatchRegex(
            column="app_id", regex=GOOGLE_PLAY_ID_REGEX, description="Google Play ids are package names."
        ),
        E.ExpectColumnValuesToBeInSet(
            column="country", value_set=sorted(settings.countries), description="Country is a configured storefront."
        ),
        E.ExpectColumnValuesToBeBetween(column="score", min_value=0, max_value=5, description="Score is within 0..5."),
        *[
            E.ExpectColumnValuesToBeBetween(column=col, min_value=0, description=f"{col} is non-negative.")
            for col in ("min_installs", "real_installs", "ratings", "reviews")
        ],
        E.ExpectColumnValuesToBeInSet(
            column="installs_monotone",
            value_set=[True],
            description=(
                "Exact installs do not fall below the previous snapshot of the same app by more than "
                f"{settings.installs_drop_tolerance:.0%} (installs_monotone is derived against the warehouse)."
            ),
        ),
        E.ExpectCompoundColumnsToBeUnique(
            column_list=[batch_column, "country", "app_id"], description="One snapshot per app per storefront."
        ),
        *fill_rate_expectations(PLAY_APP_DETAILS),
    ]
    return gx.ExpectationSuite(name=PLAY_APP_DETAILS, expectations=expectations)


# --- news (frames from dramatrack.pipeline.stage_news.news_frames: batch_id is the search/feed item, batch the
# edition's day batch, so a failure quarantines that feed alone) ---------------------------------------------

PERIOD_REGEX = r"^[0-9]{4}(?:-(?:0[1-9]|1[0-2]|Q[1-4]|H[12]))?$"


def news_languages(settings: Settings) -> list[str]:
    """Primary language subtags of the configured news editions (en, zh): the languages known to the marts."""
    return sorted({e.split(":", 1)[0].split("-", 1)[0].lower() for e in settings.news_editions})


def news_articles_suite(settings: Settings, *, batch_column: str = "batch_id") -> gx.ExpectationSuite:
    """The suite for news-article frames (NewsArticleRow fields + batch columns + derived ``future_hours``)."""
    import great_expectations as gx

    E = gx.expectations
    tolerance = settings.news_future_tolerance_hours
    expectations: list[Any] = [
        *[
            E.ExpectColumnValuesToNotBeNull(column=col, description=f"Every article has a {col}.")
            for col in ("canonical_url", "url", "lang")
        ],
        E.ExpectCompoundColumnsToBeUnique(
            column_list=["batch", "canonical_url"],
            description="One article per canonical URL in a batch (stories are deduplicated in the stage step).",
        ),
        E.ExpectColumnValuesToMatchRegex(
            column="canonical_url", regex=r"^https?://[^\s]+$", description="The canonical URL is an http(s) URL."
        ),
        E.ExpectColumnValuesToBeInSet(
            column="lang",
            value_set=news_languages(settings),
            description="The article's language is one of the configured editions' languages.",
        ),
        E.ExpectColumnValuesToBeBetween(
            column="future_hours",
            max_value=tolerance,
            description=f"No publish time more than {tolerance:g} hours after the feed was fetched "
                        "(future_hours = published_at - fetched_at).",
        ),
    ]
    return gx.ExpectationSuite(name=NEWS_ARTICLES, expectations=expectations)


def reported_metrics_suite(settings: Settings, *, batch_column: str = "batch_id") -> gx.ExpectationSuite:
    """The suite for reported-figure frames (NewsMetricRow fields + batch columns)."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    E = gx.expectations
    expectations: list[Any] = [
        *[
            E.ExpectColumnValuesToNotBeNull(column=col, description=f"Every figure has a {col}.")
            for col in ("canonical_url", "subject_key", "metric", "value", "sentence")
        ],
        E.ExpectColumnValuesToBeInSet(column="metric", value_set=list(NEWS_METRICS), description="Known metric."),
        E.ExpectColumnValuesToBeInSet(
            column="subject", value_set=["app", "apps", "market"], description="Known subject kind."
        ),
        E.ExpectColumnValuesToBeBetween(
            column="value", min_value=0, strict_min=True, description="Reported values are positive."
        ),
        E.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=0,
            max_value=1,
            row_condition=Column(name="metric") == "market_share",
            description="Shares are fractions in [0, 1].",
        ),
        E.ExpectColumnValuesToMatchRegex(
            column="currency", regex=r"^[A-Z]{3}$", description="Currencies are ISO 4217 codes when present."
        ),
        E.ExpectColumnValuesToMatchRegex(
            column="period", regex=PERIOD_REGEX, description="Periods are YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn."
        ),
        E.ExpectCompoundColumnsToBeUnique(
            column_list=["batch", "canonical_url", "figure_key"],
            description="One row per figure per story in a batch.",
        ),
    ]
    return gx.ExpectationSuite(name=REPORTED_METRICS, expectations=expectations)


# The plausibility checks, one derived column each (expectations.derived.add_plausibility_columns), so a failed
# column names the reason a figure is rejected.
PLAUSIBILITY_REASONS = {
    "floor_value": "revenue or download figure below the floor",
    "share_value": "market share above 1",
    "rank_value": "rank above the maximum",
    "users_value": "user count above the world's internet population",
    "sentence_in_article": "sentence not in the article",
}


def reported_figures_plausible_suite(settings: Settings, *, batch_column: str = "figure_id") -> gx.ExpectationSuite:
    """Plausibility of each reported figure (one row per figure; ``figure_id`` identifies it): a failed row is
    rejected with its reason, the article and the other figures still load."""
    import great_expectations as gx

    E = gx.expectations
    floor, rank_max, users_max = settings.reported_figure_floor, settings.reported_rank_max, settings.reported_users_max
    expectations: list[Any] = [
        E.ExpectColumnValuesToBeBetween(column="floor_value", min_value=floor,
                                        description=f"Revenue and downloads are at least {floor:g}."),
        E.ExpectColumnValuesToBeBetween(column="share_value", min_value=0, max_value=1,
                                        description="Market shares are fractions in [0, 1]."),
        E.ExpectColumnValuesToBeBetween(column="rank_value", min_value=1, max_value=rank_max,
                                        description=f"Ranks are between 1 and {rank_max}."),
        E.ExpectColumnValuesToBeBetween(column="users_value", min_value=0, max_value=users_max,
                                        description=f"User counts are at most {users_max:g} (internet population)."),
        E.ExpectColumnValuesToBeInSet(column="sentence_in_article", value_set=[True],
                                      description="The figure's sentence is in the article it was read from."),
    ]
    return gx.ExpectationSuite(name=REPORTED_FIGURES_PLAUSIBLE, expectations=expectations)


SuiteBuilder = Callable[..., Any]

SUITES: dict[str, SuiteBuilder] = {
    CHART_ENTRIES: chart_entries_suite,
    APP_LOOKUPS: app_lookups_suite,
    PLAY_APP_DETAILS: play_app_details_suite,
    NEWS_ARTICLES: news_articles_suite,
    REPORTED_METRICS: reported_metrics_suite,
    REPORTED_FIGURES_PLAUSIBLE: reported_figures_plausible_suite,
}
