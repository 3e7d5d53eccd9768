-- Core schema. Later migrations add columns/tables; never edit an applied migration.
CREATE SEQUENCE IF NOT EXISTS seq_ingest START 1;
CREATE SEQUENCE IF NOT EXISTS seq_record START 1;
CREATE SEQUENCE IF NOT EXISTS seq_quarantine START 1;
CREATE SEQUENCE IF NOT EXISTS seq_link_run START 1;
CREATE SEQUENCE IF NOT EXISTS seq_label START 1;
CREATE SEQUENCE IF NOT EXISTS seq_claim START 1;
CREATE SEQUENCE IF NOT EXISTS seq_incident START 1;
CREATE SEQUENCE IF NOT EXISTS seq_estimate_run START 1;

-- One row per file ingested (accepted, duplicate or superseding).
CREATE TABLE IF NOT EXISTS ingests (
    ingest_id        BIGINT PRIMARY KEY,
    source           VARCHAR NOT NULL,
    file_name        VARCHAR NOT NULL,
    file_sha256      VARCHAR NOT NULL,
    mapping_sha256   VARCHAR NOT NULL,
    mapping_version  VARCHAR,
    ingested_at      TIMESTAMP NOT NULL,
    actor            VARCHAR,
    n_rows           BIGINT NOT NULL,
    n_accepted       BIGINT NOT NULL,
    n_quarantined    BIGINT NOT NULL,
    n_superseded     BIGINT NOT NULL DEFAULT 0
);

-- Person records in the canonical schema (docs/schema.md). A corrected file supersedes rows by
-- (source, record_id): the old version stays with active = false and superseded_by set.
CREATE TABLE IF NOT EXISTS records (
    record_uid           BIGINT PRIMARY KEY,
    source               VARCHAR NOT NULL,
    record_id            VARCHAR NOT NULL,
    name_raw             VARCHAR,
    family_name          VARCHAR,
    given_name           VARCHAR,
    patronymic           VARCHAR,
    sex                  VARCHAR,
    birth_date           DATE,
    birth_year           INTEGER,
    birth_month          INTEGER,
    birth_precision      VARCHAR,
    age                  INTEGER,
    age_date             DATE,
    event_type           VARCHAR,
    event_date           DATE,
    event_date_end       DATE,
    event_date_precision VARCHAR,
    place                VARCHAR,
    unit                 VARCHAR,
    home_region          VARCHAR,
    free_text            VARCHAR,
    extra                JSON,
    -- provenance
    ingest_id            BIGINT NOT NULL,
    file_sha256          VARCHAR NOT NULL,
    line_no              BIGINT NOT NULL,
    ingested_at          TIMESTAMP NOT NULL,
    mapping_version      VARCHAR,
    active               BOOLEAN NOT NULL DEFAULT TRUE,
    superseded_by        BIGINT
);
CREATE INDEX IF NOT EXISTS records_source_id ON records (source, record_id);

-- Rows that were not accepted, with the raw text and a reason a person can act on.
CREATE TABLE IF NOT EXISTS quarantine (
    quarantine_id  BIGINT PRIMARY KEY,
    ingest_id      BIGINT NOT NULL,
    source         VARCHAR NOT NULL,
    file_name      VARCHAR NOT NULL,
    file_sha256    VARCHAR NOT NULL,
    line_no        BIGINT,
    field          VARCHAR,
    raw_text       VARCHAR,
    reason         VARCHAR NOT NULL,
    quarantined_at TIMESTAMP NOT NULL
);

-- Sensitive values (source identities, witness names/contacts, sensitive notes), stored apart
-- from the records so that aggregate work never touches them; encrypted when a key is set.
CREATE TABLE IF NOT EXISTS sensitive_values (
    owner_kind  VARCHAR NOT NULL,     -- 'record', 'source', 'claim', 'incident', 'evidence', 'label'
    owner_id    VARCHAR NOT NULL,
    field       VARCHAR NOT NULL,
    encrypted   BOOLEAN NOT NULL,
    value       VARCHAR,              -- plaintext when not encrypted
    ciphertext  BLOB,                 -- nonce || AES-GCM ciphertext when encrypted
    PRIMARY KEY (owner_kind, owner_id, field)
);

-- Append-only, hash-chained log of every state change.
CREATE TABLE IF NOT EXISTS audit_log (
    seq        BIGINT PRIMARY KEY,
    logged_at  TIMESTAMP NOT NULL,
    actor      VARCHAR NOT NULL,
    action     VARCHAR NOT NULL,
    object     VARCHAR,
    detail     JSON,
    prev_hash  VARCHAR NOT NULL,
    hash       VARCHAR NOT NULL
);

-- Linkage
CREATE TABLE IF NOT EXISTS link_runs (
    run_id          BIGINT PRIMARY KEY,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    engine          VARCHAR NOT NULL,
    splink_version  VARCHAR,
    threshold       DOUBLE,
    model_json      JSON,
    threshold_table JSON,
    n_records       BIGINT,
    n_pairs         BIGINT,
    n_clusters      BIGINT,
    status          VARCHAR NOT NULL,  -- 'running', 'done', 'failed'
    current         BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS link_pairs (
    run_id            BIGINT NOT NULL,
    record_uid_l      BIGINT NOT NULL,
    record_uid_r      BIGINT NOT NULL,
    match_weight      DOUBLE,
    match_probability DOUBLE,
    detail            JSON
);
CREATE TABLE IF NOT EXISTS clusters (
    run_id      BIGINT NOT NULL,
    record_uid  BIGINT NOT NULL,
    cluster_id  VARCHAR NOT NULL,
    flagged     VARCHAR,
    PRIMARY KEY (run_id, record_uid)
);

-- Decisions by people on pairs and clusters; the latest per pair wins, all are kept.
CREATE TABLE IF NOT EXISTS pair_labels (
    label_id      BIGINT PRIMARY KEY,
    record_uid_l  BIGINT NOT NULL,
    record_uid_r  BIGINT NOT NULL,
    decision      VARCHAR NOT NULL,   -- 'match', 'non_match', 'unsure'
    reviewer      VARCHAR NOT NULL,
    note          VARCHAR,
    decided_at    TIMESTAMP NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    origin        VARCHAR NOT NULL DEFAULT 'review'  -- 'review', 'csv', 'split', 'merge'
);

CREATE TABLE IF NOT EXISTS users (
    username        VARCHAR PRIMARY KEY,
    role            VARCHAR NOT NULL,
    password_hash   VARCHAR NOT NULL,
    totp_secret     VARCHAR,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE
);

-- Claims, count-only incidents, evidence
CREATE TABLE IF NOT EXISTS claims (
    claim_id     BIGINT PRIMARY KEY,
    claimant     VARCHAR NOT NULL,
    said_on      DATE,
    published_in VARCHAR,
    counts       VARCHAR NOT NULL,    -- 'killed', 'wounded', 'both'
    place        VARCHAR,
    period_start DATE,
    period_end   DATE,
    low          DOUBLE,
    high         DOUBLE,
    per_day      BOOLEAN NOT NULL DEFAULT FALSE,
    text         VARCHAR,
    url          VARCHAR,
    document_sha256 VARCHAR,
    created_at   TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS incidents (
    incident_id  BIGINT PRIMARY KEY,
    group_id     BIGINT,
    source       VARCHAR NOT NULL,
    date_start   DATE,
    date_end     DATE,
    place        VARCHAR,
    seen         VARCHAR,             -- 'vehicles', 'wounded', 'bodies', ...
    count_min    INTEGER,
    count_max    INTEGER,
    text         VARCHAR,
    created_at   TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence_files (
    sha256       VARCHAR PRIMARY KEY,
    file_name    VARCHAR NOT NULL,
    media_type   VARCHAR,
    size_bytes   BIGINT,
    added_at     TIMESTAMP NOT NULL,
    added_by     VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence_links (
    sha256      VARCHAR NOT NULL,
    owner_kind  VARCHAR NOT NULL,
    owner_id    VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS custody_log (
    sha256   VARCHAR NOT NULL,
    logged_at TIMESTAMP NOT NULL,
    actor    VARCHAR NOT NULL,
    action   VARCHAR NOT NULL,
    origin   VARCHAR
);

-- Estimation runs (results as JSON for reports and the dashboard).
CREATE TABLE IF NOT EXISTS estimate_runs (
    run_id       BIGINT PRIMARY KEY,
    created_at   TIMESTAMP NOT NULL,
    link_run_id  BIGINT,
    method       VARCHAR NOT NULL,
    by_fields    VARCHAR,
    result       JSON NOT NULL,
    current      BOOLEAN NOT NULL DEFAULT TRUE
);
