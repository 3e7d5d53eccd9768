-- Review web app (`uncounted serve`): server-side sessions, optimistic concurrency on pair
-- decisions, and a mark on a linkage run whose clusters were edited by reviewers since Splink
-- last ran (a full `uncounted link` recomputes them from all labels).

-- One row per login.  Only the SHA-256 of the session token is stored, so a copy of the
-- database does not hand out live sessions.
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256   VARCHAR PRIMARY KEY,
    username       VARCHAR NOT NULL,
    csrf_token     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    last_seen      TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,   -- absolute limit
    totp_pending   BOOLEAN NOT NULL DEFAULT FALSE,
    revoked        BOOLEAN NOT NULL DEFAULT FALSE,
    user_agent     VARCHAR
);

-- A decision records the pair version its reviewer saw (`seen_version`); `version` is the
-- pair's version after it.  When a reviewer confirms a decision over a newer one, the newer
-- label's id is kept in `overrides_label_id`.  Nothing is ever deleted: every decision stays.
-- (No index on pair_labels: DuckDB refuses ALTER TABLE on an indexed table, and later
-- migrations may add columns.)
ALTER TABLE pair_labels ADD COLUMN IF NOT EXISTS seen_version INTEGER;
ALTER TABLE pair_labels ADD COLUMN IF NOT EXISTS overrides_label_id BIGINT;
ALTER TABLE pair_labels ADD COLUMN IF NOT EXISTS reason VARCHAR;

ALTER TABLE link_runs ADD COLUMN IF NOT EXISTS edited_by_review BOOLEAN DEFAULT FALSE;
ALTER TABLE link_runs ADD COLUMN IF NOT EXISTS review_edits BIGINT DEFAULT 0;

ALTER TABLE users ADD COLUMN IF NOT EXISTS totp_enabled_at TIMESTAMP;
ALTER TABLE users ADD COLUMN IF NOT EXISTS last_login_at TIMESTAMP;
