-- 0008_quarantine_resolution_listing_evidence: how a quarantine was resolved. A quarantine row (a batch, or one item of it:
-- `batch:package`, `batch:q-…`) is released by any later successful load of the same batch or item — a rerun,
-- a back-fill, `dramatrack quarantine replay` — and the row records which load released it.

ALTER TABLE ops.quarantine ADD COLUMN resolved_by VARCHAR;
ALTER TABLE ops.quarantine ADD COLUMN resolution VARCHAR;
COMMENT ON COLUMN ops.quarantine.resolved_by IS 'The batch whose successful load released this row (NULL while open).';
COMMENT ON COLUMN ops.quarantine.resolution IS 'How it was released: batch loaded | item loaded (NULL while open).';

-- What a listing's classification rests on: 'catalog' (a catalog app), 'description' (an app page, a lookup or a chart entry carried the
-- store description) or 'name' (the name, publisher and genre alone, e.g. a Play app page that failed that
-- day). A name-only observation never overrides a classification that rests on a description (stage_listings.sql).
ALTER TABLE core.app_store_ids ADD COLUMN listing_evidence VARCHAR;
COMMENT ON COLUMN core.app_store_ids.listing_evidence IS 'catalog | description | name: what listing_status rests on (a name-only record never downgrades a described one).';
