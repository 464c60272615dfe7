-- Revenue curves of the refresh weeks follow the download signals (run.py stages market_factors: week, store,
-- factor, what it was made of): b and b_scale times the factor, the factor recorded in inputs.
UPDATE core.estimate_params AS p
SET b = p.b * f.factor, b_scale = p.b_scale * f.factor,
    inputs = json_merge_patch(p.inputs, json_object('market_factor', f.factor, 'market_factor_from', f.source))
FROM market_factors AS f
WHERE p.window_start = f.window_start AND p.store = f.store AND p.measure = 'revenue'
  AND p.method IN ('prior', 'pooled', 'fit', 'held');
