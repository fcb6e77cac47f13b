# The two commands a newcomer needs: `make demo` and `make test`. Both set up what they need first.
.PHONY: setup setup-test demo test lint

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test

demo: setup
	.venv/bin/agentindex run -d demo -a oracle -a nop -o jobs --job demo

lint:
	.venv/bin/ruff check .
	.venv/bin/mypy

test: setup-test lint
	.venv/bin/pytest -q -p no:cacheprovider
