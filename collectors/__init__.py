"""The endpoint agent, shipped alone as `crsa-collectors` (`pip install ./collectors`).

`endpoint` collects a host's software, network, processes and configuration checks (or
reads osquery output) and delivers them to a hub, spooling while it is unreachable;
`wire` is the inventory format both the agent and the hub use; `cli` is `crsa-collect`.
Nothing here imports the hub (an import contract checks it).
"""

__all__: list[str] = []
