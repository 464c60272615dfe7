-- The category weights of every country and store (core.country_weights), per measure.
SELECT country, store, measure, weight FROM core.country_weights ORDER BY ALL;
