"""Validation that can fail (issue 19): cross-validation, ablations and the report."""
