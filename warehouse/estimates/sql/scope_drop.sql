-- End of a marts build: drop the refresh scope (scope.sql).
DROP TABLE IF EXISTS refresh_changed;
DROP TABLE IF EXISTS refresh_mode;
DROP TABLE IF EXISTS refresh_weeks;
DROP TABLE IF EXISTS refresh_share_periods;
DROP MACRO IF EXISTS chart_measure;
