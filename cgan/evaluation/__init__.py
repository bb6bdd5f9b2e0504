"""Measuring generators: the evaluation network, metrics, the nearest-image index and the evaluation report."""
