"""estimate step of the pipeline."""
