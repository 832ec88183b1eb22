"""The model server: a warm process that answers the API's synchronous model calls (send_tts,
lang_classify, the checks of a text video/generate), so API processes never load a model."""
