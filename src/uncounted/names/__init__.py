"""names step of the pipeline."""
