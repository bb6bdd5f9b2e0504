"""Serving a generator: inference for the app, its endpoints and tabs, the page scripts and result files."""
