"""The Ray executor: one Ray task per batch task, on an existing cluster (`--ray-address`); a best-of-n task's
attempts each a Ray task of their own (ray_attempts.py).

Workers need nothing from the driver's disk: a task's scenario folder, its git bundle (or a bundle made here
of a `--repos-dir` clone) and what an earlier run left in its task folder travel as Ray objects; a task with
none of those clones its repository on the worker (cached per node), as a local run would. The worker runs
the same job (`HarnessJob.portable()`) in a temporary folder and sends back the result and the task's files
as data; paths of its temporary folder are put back as this machine's. The driver alone writes results
(atomically, through `save`), so a killed worker (Ray runs the task again elsewhere, `max_retries` times)
or a killed driver (a rerun resumes) never loses or duplicates one. A task that fails is recorded once:
exceptions are results, never retried.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import socket
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ...errors import UserError
from ..config import HarnessConfig
from ..locks import file_lock
from ..repos import RepoError, find_source
from ..tasks import Task
from .base import Job, Save, error_result, guarded_run
from .identity import FIX, identity, refusal
from .local import task_folder

# The model endpoint's settings, handed to workers in the job's runtime environment (never written down).
FORWARDED_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL")
PROBE_TIMEOUT = 180.0  # seconds for every node to start a worker and answer (a loaded node is slow)
MAX_REWRITE = 64 << 20  # bytes: larger files come back as they are (logs that big hold no paths we rewrite)


@dataclass
class Shipment:
    """One task as it travels: the task with its paths cleared, its files as Ray object refs (bytes)."""

    task: Task
    driver_dir: str  # OUTPUT/tasks/<id> on the driver
    folder: Any = None  # tar of the scenario folder
    bundle: Any = None  # git bundle outside the folder
    replies: Any = None  # replies file outside the folder
    mirror: Any = None  # bundle of a --repos-dir clone (all refs), for the worker's own mirror
    previous: bytes | None = None  # tar of what an earlier run left in the task folder
    originals: dict[str, str] = field(default_factory=dict)  # folder/bundle/replies -> the driver's path


# Ray deserializes a task's arguments for every call; the harness a job builds (sandbox probes, the agent)
# is kept per worker process, by the job's token, so only a worker's first task pays for it.
_BUILT: dict[str, Job] = {}


def run_shipment(job: Any, shipment: Shipment, expected: dict[str, str] | None = None) -> dict[str, Any]:
    """On the worker: materialize the task's files, run the job, return the result and the files."""
    import ray

    node = ray.get_runtime_context().get_node_id()
    # No files come back (None), so the task folder an earlier run left on the driver stays as it was.
    why = worker_refusal(node, expected)
    if why:
        return {"result": error_result(shipment.task, why), "files": None, "node": node}
    with tempfile.TemporaryDirectory(prefix="patchsmith-ray-") as tmp:
        root = Path(tmp)
        task, renames = _materialize(shipment, root, ray.get)
        built = worker_job(job, task, shipment)
        out = root / "out"
        _unpack(shipment.previous, out)
        renames[str(out)] = shipment.driver_dir
        result = guarded_run(with_attempts(built, job, shipment, expected), task, out)
        return {
            "result": json.loads(_rewrite(json.dumps(result, default=str), renames, escaped=True)),
            "files": _pack(out, renames),
            "node": node,
        }


def worker_job(job: Any, task: Task, shipment: Shipment) -> Any:
    """The shipped job as this worker process runs it: over its own mirror of the task's repository (when one
    was shipped), kept per process by the job's token so its harness is built once."""
    import ray

    if shipment.mirror is not None:
        job = job.with_repos(_worker_mirror(task.repo, ray.get(shipment.mirror), job))
    if len(_BUILT) > 8:  # another batch's jobs
        _BUILT.clear()
    return _BUILT.setdefault(job.cache_key(), job)


def with_attempts(built: Any, shipped: Any, shipment: Shipment, expected: dict[str, str] | None = None) -> Job:
    """The job, its strategy's independent attempts each a Ray task of their own (unless ray_attempts is off)."""
    config, agent = shipped.config, getattr(shipped, "agent_config", None)
    # With --clarify hints a task's attempts answer from one shared ledger (three questions per task, none
    # asked twice): live state that cannot be split across machines, so those attempts stay together.
    if agent is None or agent.clarify == "hints" or not config.ray_attempts:
        return built
    from functools import partial

    from .ray_attempts import RayAttempts

    launcher = RayAttempts(shipped, shipment, config.ray_num_cpus, config.ray_memory_mb, config.ray_max_retries,
                           expected)
    return partial(built, launcher=launcher)


def task_options(num_cpus: float, memory_mb: int, max_retries: int) -> dict[str, Any]:
    """Ray options of a task or an attempt: its resources, and retries only when its worker dies."""
    return {"num_cpus": num_cpus, "memory": memory_mb << 20 if memory_mb else None, "max_retries": max_retries,
            "retry_exceptions": False}


def ray_failure(exc: Exception) -> str:
    """A Ray error as a result's one-line reason: its kind and its first line."""
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"ray: {type(exc).__name__}: {first}"


def worker_refusal(node: str, expected: dict[str, str] | None) -> str:
    """On a worker: why this node must not run the job ("" when it runs the driver's patchsmith). A node that
    joined after the driver's probe, or was reinstalled since, is caught here."""
    return refusal(_node_name(node), expected, identity()) if expected else ""


def node_identity() -> dict[str, str]:
    """On one node: the patchsmith it runs (the driver's probe before the first task)."""
    import ray

    return {**identity(), "node": ray.get_runtime_context().get_node_id()}


def _node_name(node_id: str, address: str = "") -> str:
    import socket

    return f"{address or socket.gethostname()} (node id {node_id[:8]})"


def check_nodes(ray: Any, mine: dict[str, str], timeout: float = PROBE_TIMEOUT) -> set[str]:
    """Every alive node runs `mine` (version, code digest, Python), else one line naming a node that does not;
    returns the alive nodes' ids. The probe takes no CPU, so busy nodes answer too; it runs pinned to each."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    probe = ray.remote(node_identity)
    asked = {}
    for node in ray.nodes():
        if node.get("Alive"):
            where = NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)
            asked[probe.options(num_cpus=0, max_retries=0, scheduling_strategy=where).remote()] = node
    for ref, node in asked.items():
        name = _node_name(node["NodeID"], node.get("NodeManagerAddress", ""))
        try:
            theirs = ray.get(ref, timeout=timeout)
        except ray.exceptions.GetTimeoutError:
            raise UserError(f"Ray node {name} did not answer the version probe in {timeout:g}s; check that "
                            f"it is healthy, or {FIX}") from None
        except ray.exceptions.RayError as exc:  # e.g. patchsmith cannot be imported there at all
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[-1][:200]
            raise UserError(f"Ray node {name} cannot run patchsmith ({first}): {FIX}") from None
        why = refusal(name, mine, theirs)
        if why:
            raise UserError(why)
    return {node["NodeID"] for node in asked.values()}


def previous_node(output: Path, task: Task) -> str:
    """The Ray node that ran `task` into `output` before (`ray_node` in its result), "" when none did."""
    from ..batch import result_path  # batch imports the executors

    try:
        return str(json.loads(result_path(output, task.instance_id).read_text()).get("ray_node") or "")
    except (OSError, ValueError, AttributeError):
        return ""


def affinity(node: str, alive: set[str]) -> dict[str, Any]:
    """Ray options preferring `node` (it built the task's environment image, so the rerun skips the build):
    soft, and spilling to another node when that one is busy or gone, so reruns never wait for it."""
    if node not in alive:
        return {}
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    return {"scheduling_strategy": NodeAffinitySchedulingStrategy(node, soft=True, _spill_on_unavailable=True)}


def _materialize(shipment: Shipment, root: Path, get: Any) -> tuple[Task, dict[str, str]]:
    task, renames, paths = shipment.task, {}, {}
    if shipment.folder is not None:
        paths["folder"] = root / "in"
        _unpack(get(shipment.folder), paths["folder"])
    for name, ref in (("bundle", shipment.bundle), ("replies", shipment.replies)):
        if ref is not None:
            paths[name] = root / name
            paths[name].write_bytes(get(ref))
    for name, original in shipment.originals.items():
        if name not in paths:  # inside the scenario folder
            paths[name] = paths["folder"] / Path(original).relative_to(shipment.originals["folder"])
        renames[str(paths[name])] = original
    return replace(task, **paths), renames


def _worker_mirror(repo: str, bundle: bytes, job: Any) -> Path:
    """A bare mirror of `repo` in the worker's cache, cloned from the shipped bundle once per content."""
    import hashlib

    from ...tools.git import run_git
    from ..pipeline import default_cache_dir

    base = default_cache_dir() / "ray-mirrors"
    digest = hashlib.sha256(bundle).hexdigest()[:16]
    mirror = base / digest / f"{repo.replace('/', '__')}.git"
    with file_lock(base / f"{digest}.lock"):
        if not (mirror / "HEAD").is_file():
            with tempfile.NamedTemporaryFile(suffix=".bundle") as fh:
                fh.write(bundle)
                fh.flush()
                shutil.rmtree(mirror, ignore_errors=True)
                run_git(base, "clone", "--mirror", "--quiet", fh.name, str(mirror))
    return mirror.parent


def _rewrite(text: str, renames: dict[str, str], escaped: bool = False) -> str:
    for worker, driver in sorted(renames.items(), key=lambda kv: -len(kv[0])):
        if escaped:  # inside JSON text, as json.dumps wrote them
            worker, driver = json.dumps(worker)[1:-1], json.dumps(driver)[1:-1]
        text = text.replace(worker, driver)
    return text


def _pack(folder: Path, renames: dict[str, str] | None = None) -> bytes:
    """A tar of `folder`; text files get the worker's paths replaced by the driver's."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        if not folder.is_dir():
            return data.getvalue()
        for path in sorted(folder.rglob("*")):
            name = str(path.relative_to(folder))
            if renames and path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_REWRITE:
                tar.addfile(*_rewritten(path, name, renames))
            else:
                tar.add(path, arcname=name, recursive=False)
    return data.getvalue()


def _rewritten(path: Path, name: str, renames: dict[str, str]) -> tuple[tarfile.TarInfo, io.BytesIO]:
    content = path.read_bytes()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        content = _rewrite(_rewrite(text, renames, escaped=True), renames).encode("utf-8")
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(content), path.stat().st_mode & 0o7777, int(path.stat().st_mtime)
    return info, io.BytesIO(content)


def _unpack(blob: bytes | None, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    if not blob:
        return
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r") as tar:
        # Names come from a task's own files: nothing may land outside dest. The "data" filter exists from
        # 3.10.12/3.11.4; before that, members that could leave dest are refused here.
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
            return
        for member in tar.getmembers():
            _refuse_escape(member, dest)
        tar.extractall(dest)


def _refuse_escape(member: tarfile.TarInfo, dest: Path) -> None:
    """What the "data" filter refuses: absolute or `..` names, links out of dest, devices."""
    root = dest.resolve()
    target = (root / member.name).resolve()
    link = ((target.parent if member.issym() else root) / member.linkname).resolve()
    inside = (target == root or root in target.parents) and (
        not (member.issym() or member.islnk()) or link == root or root in link.parents
    )
    if not inside or member.isdev() or Path(member.name).is_absolute():
        raise ValueError(f"refusing {member.name!r}: it would land outside {dest}")


def place(blob: bytes, folder: Path) -> None:
    """The worker's task folder becomes OUTPUT/tasks/<id> (unpacked beside it, then swapped in)."""
    incoming = folder.with_name(f".{folder.name}.incoming-{os.getpid()}")
    shutil.rmtree(incoming, ignore_errors=True)
    _unpack(blob, incoming)
    old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    if folder.exists():
        folder.rename(old)
    incoming.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def check_reachable(address: str | None, timeout: float = 10.0) -> None:
    """Fail in one line when HOST:PORT does not answer (Ray itself would retry for minutes)."""
    host, _, port = (address or "").rpartition(":")
    if not host or not port.isdigit():
        return  # auto, $RAY_ADDRESS or a ray:// URL: Ray says why itself
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise UserError(
            f"no Ray cluster answers at {address} ({exc.strerror or exc}); start one there (ray start "
            "--head --port PORT) or give another --ray-address"
        ) from None


class RayExecutor:
    name = "ray"
    stopping = "cancelling the tasks not yet finished on the cluster"

    def __init__(
        self,
        address: str | None = None,
        num_cpus: float = 1.0,
        memory_mb: int = 2048,
        max_retries: int = 3,
        repos_dir: Path | None = None,
    ):
        self.address, self.num_cpus, self.memory_mb = address, num_cpus, memory_mb
        self.max_retries, self.repos_dir = max_retries, repos_dir
        self.pending: dict[Any, Task] = {}
        self._shared: dict[tuple[str, str], Any] = {}  # (kind, path or repo) -> object ref, put once

    @classmethod
    def from_config(cls, config: HarnessConfig) -> RayExecutor:
        executor = cls(
            config.ray_address,
            config.ray_num_cpus,
            config.ray_memory_mb,
            config.ray_max_retries,
            config.repos_dir,
        )
        executor.connect()  # an unreachable cluster fails now, before any task is set up
        return executor

    def connect(self) -> Any:
        try:
            import ray
        except ModuleNotFoundError:
            raise UserError(
                "--executor ray needs Ray; install it with pip install 'patchsmith[ray]'"
            ) from None
        if not ray.is_initialized():
            check_reachable(self.address)
            # Ray's own C++ warnings would otherwise land on the terminal, under the progress bar.
            os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "error")
            env = {k: os.environ[k] for k in FORWARDED_ENV if os.environ.get(k)}
            try:
                ray.init(
                    address=self.address,
                    runtime_env={"env_vars": env},
                    log_to_driver=False,
                    logging_level=logging.WARNING,
                    configure_logging=False,
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise UserError(
                    f"cannot reach the Ray cluster at {self.address or '$RAY_ADDRESS'}: "
                    f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}; start one "
                    "(ray start --head) or give --ray-address HOST:PORT"
                ) from None
        return ray

    def run(self, tasks: list[Task], job: Job, output: Path, save: Save) -> Iterator[dict[str, Any]]:
        ray = self.connect()
        if not hasattr(job, "portable"):
            raise UserError("this command's tasks cannot run on Ray; use --executor local")
        mine = identity()
        alive = check_nodes(ray, mine)
        job_ref = ray.put(replace(job.portable(), token=uuid.uuid4().hex))
        remote = ray.remote(run_shipment)
        options = task_options(self.num_cpus, self.memory_mb, self.max_retries)
        self.pending = {}
        for task in tasks:  # a rerun task (--retry-errors) toward the node that ran it: its image is there
            call = remote.options(**options, **affinity(previous_node(output, task), alive))
            self.pending[call.remote(job_ref, self.ship(task, output), mine)] = task
        while self.pending:
            done, _ = ray.wait(list(self.pending), num_returns=1, timeout=1.0, fetch_local=False)
            for ref in done:
                task = self.pending.pop(ref)
                yield save(task, self.receive(ray, ref, task, output))

    def receive(self, ray: Any, ref: Any, task: Task, output: Path) -> dict[str, Any]:
        try:
            reply = ray.get(ref)
        except ray.exceptions.RayError as exc:  # the worker died more than max_retries times, or the cluster
            return error_result(task, ray_failure(exc))
        if reply["files"] is not None:
            place(reply["files"], task_folder(output, task))
        # Where it ran: a rerun of this task prefers that node (affinity), whose cache has its environment.
        return {**reply["result"], "ray_node": reply["node"]}

    def stop(self) -> None:
        """Tasks not yet finished are cancelled; a rerun into the same output runs them again."""
        import ray

        for ref in list(self.pending):
            ray.cancel(ref)
        self.pending = {}

    def ship(self, task: Task, output: Path) -> Shipment:
        folder = task_folder(output, task)
        shipment = Shipment(
            task=replace(task, folder=None, bundle=None, replies=None),
            driver_dir=str(folder),
            previous=_pack(folder) if folder.is_dir() and any(folder.iterdir()) else None,
        )
        if task.folder is not None:
            shipment.folder = self._put("folder", task.folder, lambda: _pack(task.folder))
            shipment.originals["folder"] = str(task.folder)
        for name in ("bundle", "replies"):
            path = getattr(task, name)
            if path is None:
                continue
            shipment.originals[name] = str(path)
            if task.folder is None or not Path(path).is_relative_to(task.folder):
                setattr(shipment, name, self._put(name, path, Path(path).read_bytes))
        if task.bundle is None and self.repos_dir is not None:
            shipment.mirror = self._mirror_bundle(task)
        return shipment

    def _put(self, kind: str, key: Any, make: Any) -> Any:
        import ray

        if (kind, str(key)) not in self._shared:
            self._shared[kind, str(key)] = ray.put(make())
        return self._shared[kind, str(key)]

    def _mirror_bundle(self, task: Task) -> Any:
        """Every ref of the --repos-dir clone as one bundle, put once per repository; None when there is no
        clone here (the worker then clones from the task's URL)."""
        try:
            source = find_source(task, self.repos_dir, Path(tempfile.gettempdir()), allow_clone=False)
        except RepoError:
            return None
        return self._put("mirror", source.location, lambda: _bundle_all(source.location))


def _bundle_all(repo: Path) -> bytes:
    from ...tools.git import run_git

    with tempfile.TemporaryDirectory(prefix="patchsmith-bundle-") as tmp:
        run_git(repo, "bundle", "create", "--quiet", str(Path(tmp) / "all.bundle"), "--all")
        return (Path(tmp) / "all.bundle").read_bytes()
