"""The toolchain layer: the base image plus a C/C++ compiler and Python headers, for environments whose
install compiles extensions (astropy, matplotlib, scikit-learn; `compilers` in the harness's spec table).

Made in a build container by apt from the Debian mirror the base came from (no registry is needed) and
committed as `patchsmith/toolchain:<suite>-<digest>`, the digest covering the base image's id and the
package list: a new base or a new list is a new layer, and otherwise every environment of every
repository that needs a compiler starts from the one layer built once per machine.
"""

from __future__ import annotations

import hashlib
import io
from typing import IO, Any

from .buildbox import BuildBox
from .engine import IMAGE_PATH, LABEL_IMAGE, LABEL_SUITE, docker_client
from .images import DEFAULT_SUITE, ImageError

TOOLCHAIN_REPO = "patchsmith/toolchain"
# gcc/g++/make/libc headers; the base python3's headers (a copied interpreter brings its own include/);
# pkg-config, which setup scripts ask for the libraries they link.
TOOLCHAIN_PACKAGES = ("build-essential", "python3-dev", "pkg-config")
# The build container has no setuid capability, so apt cannot drop to its _apt user to download.
APT = "apt-get -q -o APT::Sandbox::User=root"
APT_TIMEOUT = 900.0


def toolchain_tag(base_id: str, suite: str = DEFAULT_SUITE) -> str:
    """The layer's tag, known before it is built (environment keys name it)."""
    digest = hashlib.sha256(f"{base_id}\n{' '.join(TOOLCHAIN_PACKAGES)}".encode()).hexdigest()[:12]
    return f"{TOOLCHAIN_REPO}:{suite}-{digest}"


def ensure_toolchain_image(
    base: str, *, client: Any = None, log: IO[str] | None = None, suite: str = DEFAULT_SUITE
) -> str:
    """The toolchain layer over image `base`, built when missing (callers hold a lock against twins)."""
    client = client or docker_client()
    tag = toolchain_tag(client.images.get(base).id, suite)
    try:
        client.images.get(tag)
        return tag
    except Exception:  # not there yet: build it
        pass
    out = log if log is not None else io.StringIO()
    out.write(f"# building the toolchain layer {tag}: {' '.join(TOOLCHAIN_PACKAGES)}\n")
    box = BuildBox(base, client=client)
    try:
        command = (
            f"export DEBIAN_FRONTEND=noninteractive && {APT} update && "
            f"{APT} install -y --no-install-recommends {' '.join(TOOLCHAIN_PACKAGES)} && "
            "rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb && gcc --version"
        )
        if box.run(command, "/", out, APT_TIMEOUT) != 0:
            tail = out.getvalue()[-800:] if isinstance(out, io.StringIO) else "(see the build log)"
            raise ImageError(f"building {tag} failed: apt could not install {' '.join(TOOLCHAIN_PACKAGES)} "
                             f"(is the Debian mirror reachable?)\n{tail}")
        box.commit(TOOLCHAIN_REPO, tag.split(":", 1)[1], {LABEL_IMAGE: "toolchain", LABEL_SUITE: suite},
                   [f"PATH={IMAGE_PATH}", "LANG=C.UTF-8"])
    finally:
        box.remove()
    return tag
