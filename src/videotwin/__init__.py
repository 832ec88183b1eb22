"""videotwin: a self-hosted AI avatar video platform with an A2E-compatible API."""

__version__ = "0.1.0"
