-- Accounts and their API keys. Keys are stored only as SHA-256 digests; the visible prefix
-- (e.g. lvq_Ab12Cd34) identifies a key in listings and in DELETE /ops/keys/{prefix}.

create table accounts (
    id          uuid        primary key,
    email       text        not null,
    plan        text        not null default 'free',
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    constraint accounts_plan_known check (plan in ('free', 'pro')),
    constraint accounts_email_shape check (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    constraint accounts_email_length check (char_length(email) <= 320),
    constraint accounts_updated_after_created check (updated_at >= created_at)
);

-- One account per address, whatever its case.
create unique index accounts_email_unique on accounts (lower(email));

create table api_keys (
    id            uuid        primary key,
    account_id    uuid        not null references accounts (id) on delete cascade,
    prefix        text        not null,
    key_hash      bytea       not null,
    created_at    timestamptz not null default now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    constraint api_keys_prefix_unique unique (prefix),
    constraint api_keys_hash_unique unique (key_hash),
    constraint api_keys_prefix_shape check (prefix ~ '^lvq_[A-Za-z0-9]{8}$'),
    constraint api_keys_hash_is_sha256 check (octet_length(key_hash) = 32),
    constraint api_keys_used_after_created check (last_used_at is null or last_used_at >= created_at),
    constraint api_keys_revoked_after_created check (revoked_at is null or revoked_at >= created_at)
);

create index api_keys_account on api_keys (account_id);
