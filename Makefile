# The two commands a newcomer needs: `make demo` and `make test`. Both set up what they need first.
.PHONY: setup setup-test demo test lint

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test

# oracle and nop check the tasks; builtin, Claude Code and Codex solve them through their own tool
# loops with the scripted/oracle model, metered by the gateway (the CLIs install on first use).
demo: setup
	.venv/bin/agentindex run -d demo -a oracle -a nop -a builtin -a claude-code -a codex \
	  -m scripted/oracle -o jobs --job demo

lint:
	.venv/bin/ruff check .
	.venv/bin/mypy

test: setup-test lint
	.venv/bin/pytest -q -p no:cacheprovider
