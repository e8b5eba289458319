# Contrato — the commands you need. `make help` lists them.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: help bootstrap chromium up test lint format typecheck migrate token bench route-roles clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

bootstrap: ## Install uv if missing, then every package from the lock (incl. embedded PostgreSQL)
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen

up: bootstrap ## Run the whole platform (embedded PostgreSQL unless DATABASE_URL is set)
	$(UV) run contrato up

test: bootstrap chromium ## Lint and type-check, then every test against a real PostgreSQL
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy shared/src services/*/src gateway/src cli/src web/src
	$(UV) run pytest

chromium: ## Install Debian's Chromium for the browser tests when it is missing
	@test -x /usr/bin/chromium || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

lint: bootstrap ## ruff lint and format check
	$(UV) run ruff check .
	$(UV) run ruff format --check .

format: bootstrap ## Format and autofix
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

typecheck: bootstrap ## mypy over the workspace
	$(UV) run mypy shared/src services/*/src gateway/src cli/src web/src

migrate: bootstrap ## Create and migrate every service database
	$(UV) run contrato migrate

token: bootstrap ## Print an admin token for the local platform
	@$(UV) run contrato token --role admin

route-roles: bootstrap ## Regenerate the gateway's role table from the services' route declarations
	$(UV) run python -m tests.gateway.test_route_roles

bench: bootstrap ## Run the benchmarks in bench/ (not part of the tests)
	@for b in bench/bench_*.py; do echo "== $$b"; $(UV) run python $$b || exit 1; done

clean: ## Remove local data (embedded database, keys) and caches
	rm -rf .data .pytest_cache .ruff_cache .mypy_cache
