-- 0002_google_play: Google Play in the warehouse, and one product across both stores.
--   * core.app_metrics and core.chart_entries get the Google Play fields;
--   * core.app_store_ids keeps each listing's own latest description, so a product's description can be
--     derived from its listings whatever order the stores' batches were loaded in (warehouse/sql/
--     resolve_products.sql), and the listings of one product in the two stores can be matched by name;
--   * core.store_id_overrides holds the catalog's explicit store-id → product mappings;
--   * core.chart_families says which App Store and Google Play charts are comparable;
--   * marts.market_share gets stores_in_group for the cross-store ('both') groups.

-- ---------------------------------------------------------------------------------------------------------
ALTER TABLE core.app_metrics ADD COLUMN developer VARCHAR;
ALTER TABLE core.app_metrics ADD COLUMN genre_id VARCHAR;
ALTER TABLE core.app_metrics ADD COLUMN installs_text VARCHAR;
ALTER TABLE core.app_metrics ADD COLUMN min_installs BIGINT;
ALTER TABLE core.app_metrics ADD COLUMN real_installs BIGINT;
ALTER TABLE core.app_metrics ADD COLUMN review_count BIGINT;
ALTER TABLE core.app_metrics ADD COLUMN rating_histogram_1 BIGINT;
ALTER TABLE core.app_metrics ADD COLUMN rating_histogram_2 BIGINT;
ALTER TABLE core.app_metrics ADD COLUMN rating_histogram_3 BIGINT;
ALTER TABLE core.app_metrics ADD COLUMN rating_histogram_4 BIGINT;
ALTER TABLE core.app_metrics ADD COLUMN rating_histogram_5 BIGINT;
ALTER TABLE core.app_metrics ADD COLUMN updated_at TIMESTAMPTZ;
ALTER TABLE core.app_metrics ADD COLUMN released_text VARCHAR;

COMMENT ON TABLE core.app_metrics IS 'Daily store metadata and rating counts per app and storefront. App Store (iTunes Lookup): a batch replaces its (snapshot_date, app_store, country) scope. Google Play (details page): a batch replaces (snapshot_date, google_play, country, store_app_id) for the apps it holds.';
COMMENT ON COLUMN core.app_metrics.name IS 'Store title of the listing (App Store trackName, Google Play title).';
COMMENT ON COLUMN core.app_metrics.seller IS 'App Store seller name (NULL for Google Play: see developer).';
COMMENT ON COLUMN core.app_metrics.bundle_id IS 'App Store bundle id; for Google Play the package name.';
COMMENT ON COLUMN core.app_metrics.primary_genre IS 'Primary genre / category as shown (App Store primaryGenreName, Google Play genre).';
COMMENT ON COLUMN core.app_metrics.version IS 'Current version string as shown in the store.';
COMMENT ON COLUMN core.app_metrics.user_rating_count IS 'Cumulative rating count in this storefront (App Store: all versions; Google Play: ratings).';
COMMENT ON COLUMN core.app_metrics.average_user_rating IS 'Average star rating (App Store averageUserRating; Google Play score).';
COMMENT ON COLUMN core.app_metrics.developer IS 'Google Play developer name (NULL for the App Store: see seller).';
COMMENT ON COLUMN core.app_metrics.genre_id IS 'Google Play category id, e.g. ENTERTAINMENT (NULL for the App Store).';
COMMENT ON COLUMN core.app_metrics.installs_text IS 'Google Play install band as shown, e.g. 100,000,000+.';
COMMENT ON COLUMN core.app_metrics.min_installs IS 'Google Play: lower bound of the install band.';
COMMENT ON COLUMN core.app_metrics.real_installs IS 'Google Play: exact install count, when the details page carries it.';
COMMENT ON COLUMN core.app_metrics.review_count IS 'Google Play: number of written reviews.';
COMMENT ON COLUMN core.app_metrics.rating_histogram_1 IS 'Google Play: ratings with 1 star.';
COMMENT ON COLUMN core.app_metrics.rating_histogram_2 IS 'Google Play: ratings with 2 stars.';
COMMENT ON COLUMN core.app_metrics.rating_histogram_3 IS 'Google Play: ratings with 3 stars.';
COMMENT ON COLUMN core.app_metrics.rating_histogram_4 IS 'Google Play: ratings with 4 stars.';
COMMENT ON COLUMN core.app_metrics.rating_histogram_5 IS 'Google Play: ratings with 5 stars.';
COMMENT ON COLUMN core.app_metrics.updated_at IS 'Google Play: when the app was last updated (UTC).';
COMMENT ON COLUMN core.app_metrics.released_text IS 'Google Play: release date as shown on the page (free text, e.g. Jun 1, 2022).';

-- ---------------------------------------------------------------------------------------------------------
ALTER TABLE core.chart_entries ADD COLUMN score DOUBLE;
ALTER TABLE core.chart_entries ADD COLUMN installs_text VARCHAR;

COMMENT ON COLUMN core.chart_entries.genre IS 'Store genre: App Store genre id (6016 = Entertainment) or all; Google Play category id (ENTERTAINMENT, APPLICATION = all apps). See core.chart_families (natural key part).';
COMMENT ON COLUMN core.chart_entries.score IS 'Average rating shown in the chart (Google Play; NULL for the App Store).';
COMMENT ON COLUMN core.chart_entries.installs_text IS 'Install band shown in the chart, e.g. 10,000,000+ (Google Play; NULL for the App Store).';

-- ---------------------------------------------------------------------------------------------------------
ALTER TABLE core.app_store_ids ADD COLUMN own_app_key VARCHAR;
ALTER TABLE core.app_store_ids ADD COLUMN mapped_by VARCHAR;
ALTER TABLE core.app_store_ids ADD COLUMN listing_name VARCHAR;
ALTER TABLE core.app_store_ids ADD COLUMN listing_publisher VARCHAR;
ALTER TABLE core.app_store_ids ADD COLUMN name_key VARCHAR;
ALTER TABLE core.app_store_ids ADD COLUMN publisher_key VARCHAR;
ALTER TABLE core.app_store_ids ADD COLUMN listing_is_short_drama BOOLEAN;
ALTER TABLE core.app_store_ids ADD COLUMN listing_status VARCHAR;
ALTER TABLE core.app_store_ids ADD COLUMN listing_reason VARCHAR;
ALTER TABLE core.app_store_ids ADD COLUMN listing_verified BOOLEAN;
ALTER TABLE core.app_store_ids ADD COLUMN first_seen_date DATE;
ALTER TABLE core.app_store_ids ADD COLUMN last_seen_date DATE;

-- Listings of a pre-0002 warehouse: one product per listing, described by its product row. name_key and
-- publisher_key are computed in Python by the loader, so they stay NULL until the listing is loaded again.
UPDATE core.app_store_ids AS ids SET
    own_app_key            = ids.app_key,
    mapped_by              = 'own_key',
    listing_name           = CASE WHEN a.status <> 'catalog' THEN a.name END,
    listing_publisher      = CASE WHEN a.status <> 'catalog' THEN a.publisher END,
    listing_is_short_drama = a.is_short_drama,
    listing_status         = a.status,
    listing_reason         = a.classification_reason,
    listing_verified       = a.verified,
    first_seen_date        = CASE WHEN a.status <> 'catalog' THEN a.first_seen_date END,
    last_seen_date         = CASE WHEN a.status <> 'catalog' THEN a.last_seen_date END
FROM core.apps AS a
WHERE a.app_key = ids.app_key;
UPDATE core.app_store_ids SET own_app_key = app_key, mapped_by = 'own_key' WHERE own_app_key IS NULL;

COMMENT ON TABLE core.app_store_ids IS 'Maps a store listing to its product, with the listing''s own latest description. Mapping precedence: an override (core.store_id_overrides) > the listing''s own key (catalog id, or the key the loader gave it) renamed by a cross-store name match. A catalog listing is never claimed by a non-catalog app.';
COMMENT ON COLUMN core.app_store_ids.app_key IS 'The product (core.apps.app_key) the listing belongs to, after overrides and cross-store name matching.';
COMMENT ON COLUMN core.app_store_ids.bundle_id IS 'App Store bundle id, or the Google Play package name.';
COMMENT ON COLUMN core.app_store_ids.own_app_key IS 'The key the listing has on its own: its catalog app, or the key the loader gave it (ios_<trackid> / gp_<package>, or a catalog app matched by name).';
COMMENT ON COLUMN core.app_store_ids.mapped_by IS 'Why app_key is what it is: own_key | override (core.store_id_overrides) | name_match (same normalized name and publisher as one listing of the other store).';
COMMENT ON COLUMN core.app_store_ids.listing_name IS 'Name of the listing in its latest loaded snapshot (catalog name for catalog apps).';
COMMENT ON COLUMN core.app_store_ids.listing_publisher IS 'Publisher (seller / developer) of the listing in its latest loaded snapshot.';
COMMENT ON COLUMN core.app_store_ids.name_key IS 'transforms.app_identity.normalize_app_name(listing_name): the cross-store match key, with publisher_key.';
COMMENT ON COLUMN core.app_store_ids.publisher_key IS 'warehouse.loaders.normalize_publisher(listing_publisher): NFKC, case-folded, legal suffixes (Inc, Ltd, ...) dropped, alphanumerics only.';
COMMENT ON COLUMN core.app_store_ids.listing_is_short_drama IS 'The classifier''s verdict on the listing in its latest loaded snapshot.';
COMMENT ON COLUMN core.app_store_ids.listing_status IS 'catalog | candidate | other, as the latest loaded snapshot classified the listing.';
COMMENT ON COLUMN core.app_store_ids.listing_reason IS 'Why the listing got its status.';
COMMENT ON COLUMN core.app_store_ids.listing_verified IS 'Store id confirmed by a live lookup, per the latest loaded snapshot.';
COMMENT ON COLUMN core.app_store_ids.first_seen_date IS 'Earliest snapshot date the listing appeared in a loaded batch.';
COMMENT ON COLUMN core.app_store_ids.last_seen_date IS 'Latest snapshot date the listing appeared in a loaded batch; the listing_* fields follow it.';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.store_id_overrides (
    store        VARCHAR NOT NULL CHECK (store IN ('app_store', 'google_play')),
    store_app_id VARCHAR NOT NULL,
    app_key      VARCHAR,
    PRIMARY KEY (store, store_app_id)
);
COMMENT ON TABLE core.store_id_overrides IS 'The overrides: list of catalog/apps.yaml, replaced wholesale by every catalog sync. Maps a store listing to a product explicitly, or (app_key NULL) keeps it out of cross-store name matching.';
COMMENT ON COLUMN core.store_id_overrides.store IS 'app_store | google_play (natural key, with store_app_id).';
COMMENT ON COLUMN core.store_id_overrides.store_app_id IS 'App Store track id or Google Play package (natural key, with store).';
COMMENT ON COLUMN core.store_id_overrides.app_key IS 'The product the listing belongs to; NULL = keep the listing''s own key and never merge it by name.';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.chart_families (
    store       VARCHAR NOT NULL CHECK (store IN ('app_store', 'google_play')),
    genre       VARCHAR NOT NULL,
    family      VARCHAR NOT NULL,
    description VARCHAR,
    PRIMARY KEY (store, genre)
);
COMMENT ON TABLE core.chart_families IS 'Which store charts are comparable across stores: charts of the same family and chart name (top-free, top-grossing, ...) in the two stores are combined into the store = both groups of marts.market_share.';
COMMENT ON COLUMN core.chart_families.store IS 'app_store | google_play (natural key, with genre).';
COMMENT ON COLUMN core.chart_families.genre IS 'The store''s chart genre as in core.chart_entries.genre (natural key, with store).';
COMMENT ON COLUMN core.chart_families.family IS 'Store-neutral chart family: entertainment | overall.';
COMMENT ON COLUMN core.chart_families.description IS 'What the store''s chart covers.';

INSERT INTO core.chart_families (store, genre, family, description) VALUES
    ('app_store',   '6016',          'entertainment', 'App Store genre 6016 (Entertainment) charts'),
    ('google_play', 'ENTERTAINMENT', 'entertainment', 'Google Play category ENTERTAINMENT charts'),
    ('app_store',   'all',           'overall',       'App Store overall charts (all genres)'),
    ('google_play', 'APPLICATION',   'overall',       'Google Play overall app charts (category APPLICATION: all apps, no games)');

-- ---------------------------------------------------------------------------------------------------------
ALTER TABLE marts.market_share ADD COLUMN stores_in_group INTEGER;
COMMENT ON TABLE marts.market_share IS 'Share of short-drama apps within each chart group, by day and ISO week, per store and across both stores (store = both). Rebuilt by warehouse/marts/market_share.sql.';
COMMENT ON COLUMN marts.market_share.store IS 'app_store | google_play | both (both: the two stores'' charts of one family combined; natural key part).';
COMMENT ON COLUMN marts.market_share.genre IS 'Store genre id, all, Google Play category id; for store = both the chart family (entertainment | overall) (natural key part).';
COMMENT ON COLUMN marts.market_share.stores_in_group IS 'Stores whose charts make up the group: 1 for a store''s own chart; 2 for store = both.';
