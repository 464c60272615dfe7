"""The catalog model lives in ``dramatrack_config.catalog`` (below every layer); re-exported here."""

from dramatrack_config.catalog import (
    Catalog,
    CatalogApp,
    Confidence,
    Market,
    Override,
    Rejection,
    load_catalog,
)

__all__ = ["Catalog", "CatalogApp", "Confidence", "Market", "Override", "Rejection", "load_catalog"]
