"""A batch's per-task work (`run`'s agent + scoring, `eval`'s scoring) as plain data, so the same job runs
in this process's threads or is shipped to a Ray worker that rebuilds the harness from it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from ..agent.config import RunConfig
from .config import HarnessConfig
from .pipeline import AgentFn, Harness
from .tasks import Task


@dataclass
class HarnessJob:
    config: HarnessConfig
    spec_config: dict[str, Any] = field(default_factory=dict)  # as loaded here: the file stays on this disk
    model_name: str = ""
    agent_config: RunConfig | None = None  # run: the agent's configuration; None: eval
    predictions: dict[str, tuple[str, str]] = field(default_factory=dict)  # eval: id -> (patch, model name)
    token: str = ""  # one batch's job, for a worker process that keeps what it built
    harness: Harness | None = field(default=None, repr=False)  # built where the job runs, never shipped
    _agent: AgentFn | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "harness": None, "_agent": None, "_lock": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _lock=threading.Lock())

    def portable(self) -> HarnessJob:
        """The job as a worker on another machine runs it: no path of this one (repositories travel with
        the tasks; the worker uses its own cache), the harness built there."""
        config = self.config.model_copy(
            update={"repos_dir": None, "cache_dir": None, "spec_config": None, "executor": "local"}
        )
        return replace(self, config=config, harness=None, _agent=None, _lock=threading.Lock())

    def with_repos(self, repos_dir: Path) -> HarnessJob:
        """This (portable) job reading repositories from a worker's own mirrors folder."""
        return replace(
            self,
            config=self.config.model_copy(update={"repos_dir": repos_dir}),
            harness=None,
            _agent=None,
            _lock=threading.Lock(),
        )

    def cache_key(self) -> str:
        """What a worker process keeps this job's harness by: one batch, one mirrors folder."""
        return f"{self.token}:{self.config.repos_dir}"

    def built(self) -> tuple[Harness, AgentFn | None]:
        with self._lock:  # local threads share one harness and agent
            if self.harness is None:
                self.harness = Harness.from_config(self.config)
                self.harness.spec_config = self.spec_config
            if self._agent is None and self.agent_config is not None:
                from .agent_job import make_agent

                self._agent = make_agent(self.agent_config, self.harness.sandbox_factory, self.spec_config)
            return self.harness, self._agent

    def __call__(self, task: Task, task_dir: Path, launcher: Any = None) -> dict[str, Any]:
        """`launcher`: where the strategy's independent attempts run (agent.strategies.base.AttemptLauncher);
        None: in threads here."""
        harness, agent = self.built()
        if agent is None:
            patch, name = self.predictions[task.instance_id]
            return harness.process(task, task_dir, patch=patch, model_name=name)
        if launcher is not None:
            agent = partial(agent, launcher=launcher)
        return harness.process(task, task_dir, model_name=self.model_name, agent=agent)
