"""review step of the pipeline."""
