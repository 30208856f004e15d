# Liaison: `make run` starts the two-node demo, `make test` runs the tests.
# Both create .venv and keep it in step with requirements/dev.lock (hashed; `make lock`).

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# Three workers on two cores: a third of the suite's time is live-node tests waiting on
# their nodes, and a third worker's tests fill it.
TEST_WORKERS ?= 3
PIP := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: run test lint format check bench clean-demo chromium nginx pdf messages lock lock-upgrade

run: $(STAMP)
	$(BIN)/liaison demo

test: $(STAMP) chromium nginx pdf
	@# Bytecode written once: live-node tests start hundreds of processes, and with
	@# PYTHONDONTWRITEBYTECODE set each would compile Liaison again (0.3 s a start).
	$(BIN)/python -m compileall -q liaison tests
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_lock.py
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint test
	LIAISON_DATA_DIR=$$(mktemp -d) $(BIN)/liaison makemigrations --check --dry-run

bench: $(STAMP)
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/screening.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/exchange.py
	$(BIN)/python bench/desk.py
	$(BIN)/python bench/event_screening.py
	$(BIN)/python bench/indicators.py
	$(BIN)/python bench/cooperation.py
	$(BIN)/python bench/load.py --persons 100000 --users 50 --duration 60

# A throwaway data directory: the commands need settings, not a node (no stray secret key).
messages: $(STAMP)
	cd liaison && LIAISON_DATA_DIR=$$(mktemp -d) ../$(BIN)/liaison makemessages -l fr -l ar --no-obsolete --add-location file -i "matching/*"
	cd liaison && LIAISON_DATA_DIR=$$(mktemp -d) ../$(BIN)/liaison compilemessages

# Regenerate requirements/*.lock (exact versions, hashes) after changing pyproject.toml.
lock: $(STAMP)
	scripts/lock

# The same, also moving unpinned (transitive) packages to their newest releases.
lock-upgrade: $(STAMP)
	scripts/lock --upgrade

# Every package, the build backend included, comes from the hashed lock; the project
# itself is then installed without its dependencies and without build isolation (which
# would fetch an unhashed setuptools).
$(STAMP): pyproject.toml requirements/dev.lock
	@python=$$(scripts/find-python) || exit 1; \
	if [ ! -x $(BIN)/python ] || ! $(BIN)/python -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then \
		rm -rf $(VENV); echo "Creating $(VENV) with $$python"; $$python -m venv $(VENV) || exit 1; \
	fi
	@pkg-config --exists icu-uc 2>/dev/null || { \
		echo "Installing Debian's libicu-dev: the tests' followthemoney needs PyICU, built against it"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libicu-dev pkg-config g++ >/dev/null; \
	}
	$(PIP) install --quiet --require-hashes -r requirements/dev.lock
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Browser tests drive Debian's Chromium; install it when missing (Playwright's own
# browser download is not used: nodes and CI may have no internet).
chromium:
	@command -v chromium >/dev/null || { \
		echo "Installing Debian's chromium package for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-core >/dev/null; \
	}

# The reverse-proxy test runs Debian's nginx (deploy/nginx/liaison.conf) in front of a node.
nginx:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { \
		echo "Installing Debian's nginx package for the reverse-proxy test"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light >/dev/null; \
	}

# The review pack's PDF is drawn by WeasyPrint on Debian's Pango, with Debian's fonts for
# Arabic (shaped by HarfBuzz); its tests read it back with Poppler's pdftotext/pdftoppm.
pdf:
	@{ command -v pdftotext >/dev/null && ldconfig -p | grep -q libpangoft2-1.0 \
		&& fc-list :lang=ar family | grep -q 'Noto Sans Arabic'; } || { \
		echo "Installing Debian's pango, poppler-utils and fonts for the review pack's PDF"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
			libpango-1.0-0 libpangoft2-1.0-0 poppler-utils fonts-dejavu-core fonts-noto-core >/dev/null; \
	}

clean-demo:
	rm -rf .demo
