"""The only code that touches containers and codecs (ffmpeg as a separate program)."""
