-- 0007_marts_pending_dates: days whose facts a load changed besides the days it loaded. When a listing's facts
-- move to another product (a catalog app claims the listing, a cross-store name match merges two products,
-- facts loaded before their listing are adopted), every day those facts lie on changes for the estimates and
-- marts, not just the loaded day. The loader records those days here; the next incremental marts refresh
-- adds them to its changed days and clears them in the same transaction (warehouse/marts.py).

CREATE TABLE ops.marts_pending_dates (
    snapshot_date DATE NOT NULL PRIMARY KEY
);
COMMENT ON TABLE ops.marts_pending_dates IS 'Days whose facts were re-keyed to another product by a load; the next marts refresh includes and clears them.';
COMMENT ON COLUMN ops.marts_pending_dates.snapshot_date IS 'A snapshot date whose chart entries or app metrics changed product (natural key).';
