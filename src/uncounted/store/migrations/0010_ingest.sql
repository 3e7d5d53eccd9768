-- Ingest bookkeeping (uncounted.ingest): duplicate files, formats, supersession details.
ALTER TABLE ingests ADD COLUMN IF NOT EXISTS duplicate_of BIGINT;
ALTER TABLE ingests ADD COLUMN IF NOT EXISTS file_format VARCHAR;
ALTER TABLE ingests ADD COLUMN IF NOT EXISTS encoding VARCHAR;
ALTER TABLE ingests ADD COLUMN IF NOT EXISTS n_new BIGINT DEFAULT 0;
ALTER TABLE ingests ADD COLUMN IF NOT EXISTS n_unchanged BIGINT DEFAULT 0;
ALTER TABLE ingests ADD COLUMN IF NOT EXISTS n_vanished BIGINT DEFAULT 0;
ALTER TABLE ingests ADD COLUMN IF NOT EXISTS n_blank BIGINT DEFAULT 0;

-- A short code for each quarantine reason ('age_range', 'date_invalid', 'totals_row', ...).
ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS kind VARCHAR;

-- What a corrected file changed: one row per changed field of a superseded record.
CREATE TABLE IF NOT EXISTS record_changes (
    ingest_id  BIGINT NOT NULL,
    source     VARCHAR NOT NULL,
    record_id  VARCHAR NOT NULL,
    old_uid    BIGINT NOT NULL,
    new_uid    BIGINT NOT NULL,
    field      VARCHAR NOT NULL,
    old_value  VARCHAR,
    new_value  VARCHAR
);

-- The source record id of a quarantined row, when it could be read (for supersession reports).
ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS record_id VARCHAR;
