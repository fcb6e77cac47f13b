"""``agentindex cluster check``: per node of a Ray cluster, what it can run."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from agentindex.runner.executors.ray_executor import import_ray
from agentindex.runner.executors.ray_nodes import NodeReport, check_cluster


def cluster_check_command(address: str, console: Console) -> int:
    """Exit code 1 when a node cannot run a backend it advertises or its gateway fails."""
    ray = import_ray()
    ray.init(address=address, log_to_driver=False, configure_logging=False)
    try:
        reports = check_cluster(ray)
    finally:
        ray.shutdown()
    console.print(_table(reports))
    bad = [r for r in reports if r.problems]
    for r in bad:
        for problem in r.problems:
            console.print(f"[red]node {r.host} ({r.node_id[:8]})[/red]: {problem}",
                          highlight=False)
    console.print(f"{len(reports)} node(s), {len(bad)} with problems", highlight=False)
    return 1 if bad else 0


def _table(reports: list[NodeReport]) -> Table:
    table = Table("node", "host", "backends", "free / total", "agents", "gateway", "keys set")
    for r in reports:
        table.add_row(
            r.node_id[:8], r.host,
            "\n".join(f"{b}: {why}" for b, why in r.backends.items()) or "none advertised",
            "\n".join(f"{k}: {_fmt(k, r.resources.get(k, 0))} / {_fmt(k, v)}"
                      for k, v in sorted(r.total.items())),
            "\n".join(r.agents) or "none cached", r.gateway, ", ".join(r.keys) or "none")
    return table


def _fmt(resource: str, value: float) -> str:
    return f"{value / 1024**3:.1f} GiB" if "memory" in resource else f"{value:g}"
