-- The event table's one text index, (tenant, occurred_at), compared its tenant ids under the
-- database's collation (strcoll for every comparison; about two dozen per inserted event). Tenant
-- ids are identifiers, not words: compared byte by byte, as the "C" collation does, they sort the
-- same for ASCII ids and cost a memcmp. Changing a column's collation rebuilds the index without
-- rewriting the table.
ALTER TABLE usage_event ALTER COLUMN tenant TYPE text COLLATE "C";
