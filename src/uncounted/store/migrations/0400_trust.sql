-- Trust: anchors of the audit chain's head, so that truncating the tail, or rewriting the whole
-- chain, is detected (see uncounted.store.audit).
--   kind = 'head'   : seq and hash of the last entry, updated by every append (no key).
--   kind = 'sealed' : seq and hash of an entry plus HMAC-SHA256 over them with the project's
--                     audit key; written only by a process that holds the key.
CREATE TABLE IF NOT EXISTS audit_anchor (
    kind        VARCHAR PRIMARY KEY,
    seq         BIGINT NOT NULL,
    hash        VARCHAR NOT NULL,
    mac         VARCHAR,
    updated_at  TIMESTAMP NOT NULL
);

-- Which key the encrypted sensitive values use (KeyRing.key_id, a public fingerprint), so that a
-- key rotation interrupted between the database commit and the key-file rename is resolved the
-- right way round.  One row at most (id = 1).
CREATE TABLE IF NOT EXISTS key_state (
    id          INTEGER PRIMARY KEY,
    key_id      VARCHAR NOT NULL,
    changed_at  TIMESTAMP NOT NULL
);
