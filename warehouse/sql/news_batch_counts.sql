-- Row counts of the news batch just loaded (one row).
SELECT
    (SELECT count(*) FROM staging_news_articles) AS articles,
    (SELECT count(*) FROM staging_news_mentions) AS mentions,
    (SELECT count(*) FROM staging_news_metrics) AS reported_metrics,
    (SELECT count(*) FROM staging_news_rejected) AS rejected_metrics,
    (SELECT count(*) FROM staging_fetch_log) AS fetch_log;
