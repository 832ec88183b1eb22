"""Lip-sync: face tracking, footage checks, lip-shape features (and later the model and renderer)."""
