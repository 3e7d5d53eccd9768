"""store step of the pipeline."""
