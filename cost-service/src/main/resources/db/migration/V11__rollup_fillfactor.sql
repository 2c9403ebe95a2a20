-- Every ingest batch updates its rollup rows in place, and a row carries two 88-bucket histograms
-- (about 1.6 kB). At the default fillfactor a page holds five such rows and no room, so almost no
-- update was HOT (none of 9,000 in six 1,500-row batches over 6,000 rows): each one added entries
-- to both indexes (the six-column primary key among them) and left a dead row version elsewhere.
-- Half-full pages keep each new version on its own page, where it needs no index entries and the
-- dead one is pruned as the page is next read. Applies to pages written from now on;
-- VACUUM FULL cost.usage_rollup rewrites the existing ones.
ALTER TABLE usage_rollup SET (fillfactor = 50);
