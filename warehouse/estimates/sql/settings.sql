-- The model's knobs (core.estimate_settings) and prior shapes (core.estimate_priors).
SELECT 'setting' AS kind, name, NULL AS measure, value, NULL AS sd FROM core.estimate_settings
UNION ALL
SELECT 'prior', store, measure, a_prior, a_prior_sd FROM core.estimate_priors
ORDER BY kind, name, measure;
