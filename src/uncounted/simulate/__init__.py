"""simulate step of the pipeline."""
