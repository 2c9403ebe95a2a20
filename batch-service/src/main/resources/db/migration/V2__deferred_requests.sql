-- Deferred requests, the provider batches they travel in, and the assembler's lock.

-- One provider batch: its file, the provider's ids, and where it stands. The state machine is
-- what makes a crash at any step resumable (see README, "Exactly once").
create table batch.provider_batch (
    id                uuid primary key,
    provider          text        not null,
    model             text        not null,
    endpoint          text        not null,
    -- assigned -> written -> uploaded -> submitting -> submitted -> collected
    state             text        not null,
    request_count     integer     not null default 0,
    line_count        integer     not null default 0,
    file_bytes        bigint      not null default 0,
    input_file_id     text,
    provider_batch_id text unique,
    provider_status   text,
    submit_started_at timestamptz,
    poll_attempts     integer     not null default 0,
    next_poll_at      timestamptz,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now()
);

create index provider_batch_open on batch.provider_batch (state, next_poll_at)
    where state <> 'collected';

-- One deferred request, from the router or from a team's JSONL file.
create table batch.deferred_request (
    id                uuid primary key,
    tenant            text        not null,
    app               text,
    route             text        not null,
    provider          text        not null,
    model             text        not null,
    endpoint          text        not null,
    client_format     text        not null,
    -- The request as the provider takes it (translated from the client's format, model set).
    body              text        not null,
    body_bytes        integer     not null,
    -- SHA-256 of tenant and body: identical requests of one tenant share one batch line.
    custom_id         text        not null,
    requested_model   text,
    request_id        text,
    deadline          timestamptz,
    webhook_url       text,
    team_batch_id     text,
    team_custom_id    text,
    -- queued -> assigned -> submitted -> succeeded | failed (queued again once on a retryable error)
    status            text        not null,
    attempts          integer     not null default 0,
    provider_batch_id uuid references batch.provider_batch (id),
    result            text,
    error             text,
    answered_by       text,
    usage_event       text,
    usage_published   boolean     not null default false,
    webhook_state     text,
    webhook_attempts  integer     not null default 0,
    webhook_next_at   timestamptz,
    webhook_error     text,
    created_at        timestamptz not null default now(),
    completed_at      timestamptz
);

create index deferred_request_queued on batch.deferred_request (provider, model, endpoint, created_at)
    where status = 'queued';
create index deferred_request_in_batch on batch.deferred_request (provider_batch_id, custom_id);
create index deferred_request_usage on batch.deferred_request (completed_at)
    where usage_event is not null and not usage_published;
create index deferred_request_webhook on batch.deferred_request (webhook_next_at)
    where webhook_state = 'pending';
create index deferred_request_team on batch.deferred_request (team_batch_id)
    where team_batch_id is not null;

-- Files teams upload for the OpenAI-compatible batch path.
create table batch.team_file (
    id         text primary key,
    tenant     text        not null,
    filename   text        not null,
    purpose    text        not null,
    bytes      bigint      not null,
    content    bytea       not null,
    created_at timestamptz not null default now()
);

create table batch.team_batch (
    id            text primary key,
    tenant        text        not null,
    input_file_id text        not null,
    endpoint      text        not null,
    metadata      text,
    request_count integer     not null,
    created_at    timestamptz not null default now()
);

-- ShedLock's table (net.javacrumbs.shedlock JdbcTemplateLockProvider).
create table batch.shedlock (
    name       varchar(64)  primary key,
    lock_until timestamp    not null,
    locked_at  timestamp    not null,
    locked_by  varchar(255) not null
);
