"""A build container: the place an environment image is made (`container commit` over a base image).

Everything an environment build runs (venv, pip, the repository's own install commands) runs here, never
on the host: files go in as tar archives (no host path is mounted), each step is an `exec` whose output
goes to the build log, and the result is committed as an image. Build containers carry the sandbox labels,
so one left by a crashed build is removed by `cleanup_stale` like any sandbox container.
"""

from __future__ import annotations

import io
import tarfile
import threading
import time
import uuid
from collections.abc import Mapping
from typing import IO, Any

from .docker import owner_labels
from .engine import docker_client
from .images import HOST_CA_BUNDLE

BUILD_CA = "/opt/patchsmith/host-ca.crt"


def tar_of(files: Mapping[str, bytes], mode: int = 0o644) -> bytes:
    """An in-memory tar of name -> content (the way small files enter the container)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class BuildBox:
    """One build container over `image`, with the network (pip) and no capabilities beyond root's files."""

    def __init__(self, image: str, *, client: Any = None, network: bool = True, memory: str = "4g"):
        self.client = client or docker_client()
        labels = owner_labels(f"build-{uuid.uuid4().hex[:8]}")
        self.container = self.client.containers.run(
            image,
            ["sleep", "infinity"],
            detach=True,
            init=True,
            labels=labels,
            network_mode="bridge" if network else "none",
            mem_limit=memory,
            pids_limit=4096,
            security_opt=["no-new-privileges"],
            # root inside, but only what a root-owned file tree needs (no chown, mount, raw net, ...)
            cap_drop=["ALL"],
            cap_add=["DAC_OVERRIDE", "FOWNER", "CHOWN"],
        )
        self.ca = False
        if HOST_CA_BUNDLE.is_file():  # build-time only: pip behind a TLS-inspecting proxy
            self.put("/opt/patchsmith", tar_of({"host-ca.crt": HOST_CA_BUNDLE.read_bytes()}))
            self.ca = True

    def put(self, dest: str, data: bytes | IO[bytes]) -> None:
        self.run(f"mkdir -p '{dest}'", "/", None, 60)
        self.container.put_archive(dest, data)

    def run(
        self,
        command: str,
        cwd: str,
        log: IO[str] | None,
        timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> int:
        """`command` under bash in `cwd`, its output appended to `log`; killed (137) past `timeout`."""
        api = self.client.api
        environment = {
            "PIP_NO_INPUT": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "HOME": "/root",
            **({"PIP_CERT": BUILD_CA, "REQUESTS_CA_BUNDLE": BUILD_CA} if self.ca else {}),
            **(env or {}),
        }
        exec_id = api.exec_create(
            self.container.id,
            ["timeout", "-s", "KILL", f"{timeout:g}", "/bin/bash", "-c", command],
            environment=environment,
            workdir=cwd,
        )["Id"]

        def pump() -> None:
            for chunk in api.exec_start(exec_id, stream=True):
                if log is not None:
                    log.write(chunk.decode("utf-8", errors="replace"))

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        reader.join(timeout + 30)
        if log is not None:
            log.flush()
        code = api.exec_inspect(exec_id).get("ExitCode")
        return 137 if code is None else int(code)

    def output(self, command: str, cwd: str = "/", timeout: float = 120) -> tuple[int, str]:
        buf = io.StringIO()
        return self.run(command, cwd, buf, timeout), buf.getvalue()

    def read(self, path: str) -> bytes | None:
        """A regular file's bytes from the container (None when it is not one)."""
        import docker.errors

        try:
            stream, _ = self.container.get_archive(path)
        except docker.errors.NotFound:
            return None
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.next()
            if member is None or not member.isfile():
                return None
            handle = tar.extractfile(member)
            return handle.read() if handle else None

    def commit(self, repository: str, tag: str, labels: Mapping[str, str], env: list[str]) -> str:
        """The container's filesystem as image `repository:tag`; returns its id."""
        self.run(f"rm -f {BUILD_CA}", "/", None, 60)
        # The engine merges the container's own labels (the sandbox's, for cleanup) into the image's: blank them.
        blank = {key: "" for key in (self.container.labels or {})}
        image = self.container.commit(
            repository=repository,
            tag=tag,
            conf={
                "Labels": {**blank, **labels},
                "Env": env,
                "Cmd": ["/bin/bash"],
                "WorkingDir": "/",
                "Entrypoint": None,
            },
        )
        return image.id

    def remove(self) -> None:
        try:
            self.container.remove(force=True)
        except Exception:  # already gone (or the engine went away): nothing more to do
            pass
