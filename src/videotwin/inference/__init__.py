"""Model backends, loaded lazily. Imports nothing else of videotwin's."""
