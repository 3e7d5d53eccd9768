"""cli step of the pipeline."""
