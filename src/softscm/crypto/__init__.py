"""The crypto layer: pure functions over the four curves, KDFs and the sealed formats."""
