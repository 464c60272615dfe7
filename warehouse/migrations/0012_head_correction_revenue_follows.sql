-- Two refinements of the estimates (docs/methodology.md section 4):
-- * the head of the charts (effective ranks 1-10): the fitted download curves' own residuals there, pooled per
--   store and week, correct the ranked estimates (method head_correction in core.estimate_params);
-- * revenue curves (prior shape, published scale) follow the market the download signals measure: a week's and
--   store's revenue scale is multiplied by its estimated downloads / the published downloads figure's share.
INSERT INTO core.estimate_settings VALUES
    ('revenue_follows_downloads', 1.0, 'Exponent of the market factor applied to revenue scales: (estimated downloads / published downloads x tracked share) per week and store, capped at flag_factor. 0 pins revenue to the published totals; 1 holds revenue per download at the published ratio.'),
    ('head_prior_n', 1, 'Shrinkage of the head correction: the mean residual of a head rank bucket (1, 2-3, 4-10) is taken as if this many residuals of 0 were added.');
