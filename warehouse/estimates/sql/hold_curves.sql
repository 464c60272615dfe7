-- Hold the curves of a flagged week and store to the published scale (run.py stages held_curves: the week,
-- store, measure, the scale b at the curve's a, and why). The fitted values stay in a_fit / b_fit.
UPDATE core.estimate_params AS p
SET method = 'held', b = h.b, sigma = h.sigma, flagged = true,
    inputs = json_merge_patch(p.inputs, json_object('flag_reason', h.reason))
FROM held_curves AS h
WHERE p.window_start = h.window_start AND p.store = h.store AND p.measure = h.measure
  AND p.country = h.country AND p.chart = h.chart AND p.genre = h.genre;

UPDATE core.estimate_params AS p
SET flagged = true, inputs = json_merge_patch(p.inputs, json_object('flag_reason', f.reason))
FROM flagged_checks AS f
WHERE p.method = 'check_published' AND p.window_start = f.window_start AND p.store = f.store
  AND p.measure = f.measure AND p.country = f.country;
