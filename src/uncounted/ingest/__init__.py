"""ingest step of the pipeline."""
