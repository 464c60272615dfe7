-- Rows of the market-share mart per grain (a build summary).
SELECT grain, count(*) AS rows FROM marts.market_share GROUP BY grain ORDER BY grain;
