# ConvScope: `make dev` sets up and runs the product, `make test` runs every test.
.PHONY: dev setup test test-quick chaos fuzz bench lint format zoo frontend clean

dev:
	@bash scripts/dev.sh

test:
	@bash scripts/test.sh $(PYTEST_ARGS)

# The inner loop (about 5 minutes): compute and backend tests, no browser, workers or chaos.
test-quick:
	@bash scripts/test_quick.sh $(PYTEST_ARGS)

# The chaos tests alone (they also run in `make test`): workers and Redis killed mid-job.
chaos:
	@bash scripts/chaos.sh

# The hostile-input tests at full strength: 200 generated requests per API operation, then
# the hostile image and model corpora (the suite runs them too, with 10 requests each).
fuzz:
	@bash scripts/fuzz.sh $(PYTEST_ARGS)

bench:
	@bash scripts/bench.sh

setup:
	@bash -c 'source scripts/common.sh; ensure_system; ensure_venv; ensure_frontend; ensure_database; ensure_zoo'

zoo:
	@bash -c 'source scripts/common.sh; ensure_venv; ensure_database; ensure_zoo'

frontend:
	@bash -c 'source scripts/common.sh; ensure_frontend'

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/lint-imports --no-cache
	cd frontend && npm run --silent lint

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .
	cd frontend && npm run --silent format

clean:
	rm -rf var .stamps frontend/dist
