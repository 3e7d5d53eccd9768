"""link step of the pipeline."""
