"""Harness configuration: how tasks are checked out, built, run and scored (typed; the CLI derives its
options for `run` and `eval` from these fields, as it does for RunConfig)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..tools.sandbox.base import SandboxKind

TEST_TIMEOUT = 1800.0  # seconds for one task's test run
# Bytes of a test run's output kept and parsed. The official harness keeps all of it; `-rA` puts the
# summary the verdict is read from last, after every passed test's captured output (sqlfluff: ~2 MB).
TEST_OUTPUT_CAP = 256 * 2**20


class HarnessConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workers: int = Field(1, ge=1, description="tasks run in parallel")
    repos_dir: Path | None = Field(None, description="folder of local clones or bare mirrors named owner__name, "
                                                     "owner/name or name")
    spec_config: Path | None = Field(None, description='JSON file {"owner/name": {"install": ..., "test_cmd": '
                                                       '...}} overriding the spec table')
    timeout: float = Field(TEST_TIMEOUT, gt=0, description="seconds for one task's test run")
    sandbox: SandboxKind = Field("auto", description="where tests (and the agent's commands) run: auto (bwrap, "
                                                     "no network, when it works here; else local), bwrap, "
                                                     "docker (one container per task), local")
    cache_dir: Path | None = Field(None, description="where environments and clones are cached (default: "
                                                     "$PATCHSMITH_CACHE_DIR or the user cache)")
    clone: bool = Field(True, description="clone from the task's repo URL when no local copy has the commit",
                        json_schema_extra={"flag": "--no-clone"})
    keep_workspaces: bool = Field(False, description="keep each task's checkout")
    retry_errors: bool = Field(False, description="when resuming, run again the tasks that ended in an error")
    resume_anyway: bool = Field(False, description="rerunning into an --output made with another model, "
                                                   "strategy, sandbox or other tasks: keep its finished results "
                                                   "anyway (refused otherwise)")
    rebuild_failed_envs: bool = Field(False, description="build again the environments whose build failed in an "
                                                         "earlier run (remembered by their key, else not retried)")

    executor: Literal["local", "ray"] = Field("local", description="where tasks run: local (--workers threads "
                                                                   "here) or ray (one Ray task per task, on the "
                                                                   "cluster at --ray-address)")
    ray_address: str | None = Field(None, description="with --executor ray: the cluster, auto or HOST:PORT "
                                                      "(default: $RAY_ADDRESS, else a Ray started here)")
    ray_num_cpus: float = Field(1.0, gt=0, description="with --executor ray: CPUs Ray reserves for each task")
    ray_memory_mb: int = Field(2048, ge=0, description="with --executor ray: memory (MiB) Ray reserves for each "
                                                       "task (0: none)")
    ray_max_retries: int = Field(3, ge=0, description="with --executor ray: times a task is run again elsewhere "
                                                      "when its worker or node dies (a task that fails is not)")
    ray_attempts: bool = Field(True, description="run each attempt of a strategy that makes several at once "
                                                 "(best-of-n) as a Ray task of its own, with a task's resources, "
                                                 "under --executor ray (else in threads inside its task's)")

    @field_validator("repos_dir")
    @classmethod
    def _a_folder(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        value = Path(value).expanduser()
        if not value.is_dir():
            raise ValueError(f"{value} is not a folder")
        return value.resolve()  # git runs with -C elsewhere: no relative paths
