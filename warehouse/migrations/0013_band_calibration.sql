-- Bands calibrated on the accuracy benchmark's development world (bench/accuracy.json, docs/methodology.md):
--   * revenue curves (prior shape, published scale) get their own sigma: 0.5 covered 94 % of true app-days in a
--     "90 %" band; 0.46 covers 90 % there;
--   * Google Play curves add the error of splitting global install growth over countries, which their residuals
--     cannot show (the split follows the curve): 76 % covered without it, 90 % with 0.17.
-- (App Store curves lose the counting noise of few ratings from their scatter in code: estimates/fit.py.)
INSERT INTO core.estimate_settings VALUES
    ('revenue_log_sigma', 0.46, 'Log-scale sigma of a revenue curve (prior shape, published scale): its 90% band is x/÷ 2.1.'),
    ('play_split_log_sd', 0.17, 'Log-sd added to the band of a fitted Google Play curve for the split of global install growth over countries (not in its residuals).');
