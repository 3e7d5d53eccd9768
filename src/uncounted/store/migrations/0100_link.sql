-- Linkage: what a run was computed from, so a rerun can tell what changed and reuse the model.
ALTER TABLE link_runs ADD COLUMN IF NOT EXISTS records_sha256 VARCHAR;    -- sorted active record_uids
ALTER TABLE link_runs ADD COLUMN IF NOT EXISTS labels_sha256 VARCHAR;     -- latest decision per pair
ALTER TABLE link_runs ADD COLUMN IF NOT EXISTS settings_json JSON;        -- LinkSettings
ALTER TABLE link_runs ADD COLUMN IF NOT EXISTS model_fingerprint VARCHAR; -- what the trained model depends on
ALTER TABLE link_runs ADD COLUMN IF NOT EXISTS model_reused BOOLEAN;      -- parameters taken from an earlier run
ALTER TABLE link_runs ADD COLUMN IF NOT EXISTS actor VARCHAR;
CREATE INDEX IF NOT EXISTS link_pairs_run ON link_pairs (run_id);
