# The two commands a newcomer needs: `make demo` and `make test`. Both set up what they need first.
.PHONY: setup setup-test demo test lint

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test

# oracle and nop check the tasks; builtin, Claude Code and Codex solve them through their own tool
# loops with the scripted/oracle model, metered by the gateway (the CLIs install on first use).
# Then builtin with a real small model run by the gateway (local/smollm2), bounded per turn and
# per trial so the demo stays short on 2 cores; the bounds are part of the variant's label.
LOCAL_DEMO_MODEL = local/smollm2?max_tokens=128&max_turns=5
demo: setup
	@bash scripts/setup_local_model.sh
	.venv/bin/agentindex run -d demo -a oracle -a nop -a builtin -a claude-code -a codex \
	  -m scripted/oracle -o jobs --job demo
	.venv/bin/agentindex run -d demo -a builtin -m '$(LOCAL_DEMO_MODEL)' -o jobs --job demo

lint:
	.venv/bin/ruff check .
	.venv/bin/mypy

test: setup-test lint
	.venv/bin/pytest -q -p no:cacheprovider
