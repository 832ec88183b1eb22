# Two entry points: `make run` (install and serve) and `make test` (install and run every test).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-quick test-postgres lint install bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

# From Debian, when missing (package:file that proves it is there): ffmpeg (media) and espeak-ng
# (phonemes, formant voices; GPL, so run as programs, never imported); Noto Sans CJK for captions in
# Latin, Cyrillic, Chinese and Japanese scripts (OFL); npm, which fetches Kokoro's voices (kokoro-js).
SYSTEM_PACKAGES := ffmpeg:/usr/bin/ffmpeg espeak-ng:/usr/bin/espeak-ng \
	fonts-noto-cjk:/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc npm:/usr/bin/npm

$(STAMP): pyproject.toml src/videotwin/assets/kokoro/kokoro-js-1.2.1-voices.sha256 | $(BIN)/python
	@missing=""; for pf in $(SYSTEM_PACKAGES); do [ -e "$${pf#*:}" ] || missing="$$missing $${pf%%:*}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing from Debian"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	# setuptools<80 still ships pkg_resources, which pyworld's build imports.
	$(BIN)/pip install --disable-pip-version-check -q "setuptools<80" wheel
	$(BIN)/pip install --disable-pip-version-check -q -e '.[test,scale,bench]'
	# The Japanese reading frontend for kokoro, without its 70 MB dictionary package (not needed).
	$(BIN)/pip install --disable-pip-version-check -q --no-deps pyopenjtalk-plus==0.4.1.post10 sudachipy==0.7.0
	# rapidocr (Apache-2.0) for its bundled PP-OCRv6 models, without its opencv-python-headless: a second
	# OpenCV build beside MediaPipe's would shadow the cv2 module (xphoto, DIS optical flow).
	$(BIN)/pip install --disable-pip-version-check -q --no-deps rapidocr==3.10.0
	# Kokoro's 54 voice styles from npm (kokoro-js 1.2.1, Apache-2.0), checked file by file by SHA-256.
	$(BIN)/python -m videotwin.inference.kokoro_voices install
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/videotwin serve

test: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/python -m pytest -q

# The quick subset: everything but the end-to-end tests that start processes and the schema fuzz run.
test-quick: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# The suite again on PostgreSQL (installed from Debian and started here if missing), as at scale.
PG_URL := postgresql+psycopg://videotwin:videotwin@127.0.0.1:5432/videotwin_test
test-postgres: $(STAMP)
	bash scripts/postgres-for-tests.sh
	VIDEOTWIN_TEST_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts

bench: $(STAMP)
	$(BIN)/python bench/api_load.py

clean:
	rm -rf $(VENV) data .pytest_cache
