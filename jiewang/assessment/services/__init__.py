"""Writes of the assessment: computing and publishing runs (engine), exclusions."""
