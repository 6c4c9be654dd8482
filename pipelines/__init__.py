"""Item pipelines, one job each: validate, attribute, then store."""
