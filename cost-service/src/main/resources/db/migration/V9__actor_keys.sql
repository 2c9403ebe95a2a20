-- Reports only count distinct users and conversations per hour, tenant, app, route and model, so
-- the actor is kept as a 64-bit key (the first 8 bytes of the MD5 of its id, as RollupStore
-- computes it) instead of its text: a narrower row and primary-key entry for every new actor, the
-- part of ingest that grows with users and conversations. Two ids colliding in 64 bits would count
-- once; at a billion actors an hour that is about one chance in 36.
CREATE TABLE usage_actor_key_hour (
    hour      timestamptz NOT NULL,
    tenant    text        NOT NULL,
    app       text        NOT NULL,
    route     text        NOT NULL,
    model     text        NOT NULL,
    kind      text        NOT NULL CHECK (kind IN ('user', 'conversation')),
    actor_key bigint      NOT NULL,
    PRIMARY KEY (hour, tenant, app, route, model, kind, actor_key)
);

INSERT INTO usage_actor_key_hour (hour, tenant, app, route, model, kind, actor_key)
SELECT DISTINCT hour, tenant, app, route, model, kind,
       ('x' || substr(md5(actor), 1, 16))::bit(64)::bigint
FROM usage_actor_hour;

DROP TABLE usage_actor_hour;
ALTER TABLE usage_actor_key_hour RENAME TO usage_actor_hour;
