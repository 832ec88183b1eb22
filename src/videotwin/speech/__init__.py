"""Speech: public voices, text-to-speech, voice cloning and language detection."""
