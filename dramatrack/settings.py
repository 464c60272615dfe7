"""The settings object lives in ``dramatrack_config.settings`` (below every layer); re-exported here."""

from dramatrack_config.settings import (
    DEFAULT_COUNTRIES,
    DEFAULT_NEWS_EDITIONS,
    DEFAULT_NEWS_FEEDS,
    DEFAULT_NEWS_TOPICS,
    REPO_ROOT,
    CommaList,
    Settings,
    get_settings,
)

__all__ = ["DEFAULT_COUNTRIES", "DEFAULT_NEWS_EDITIONS", "DEFAULT_NEWS_FEEDS", "DEFAULT_NEWS_TOPICS", "REPO_ROOT",
           "CommaList", "Settings", "get_settings"]
