"""Where the kit's own files are: the images' Dockerfiles and build context, and the runtime's wheel.

An installed byoc-processing wheel carries them under launcher/_kit/ (put there by launcher/hatch_build.py),
laid out as in the repository; in a clone (`make venv`'s editable install) they are the clone itself, and
the runtime's wheel is where `make wheel` writes it. Either way the folder is the images' build context and
their Dockerfiles build from it unchanged. Located only when a command needs them, so `byoc --help` and
`byoc run` never look.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from launcher.errors import LauncherError

PACKAGED_FOLDER = "_kit"  # launcher/hatch_build.py's KIT_FOLDER
RUNTIME_WHEELS = "build/wheels"
OFFLINE_BASE_SCRIPT = "containers/offline-base.sh"


class KitFilesError(LauncherError):
    """The kit's files are missing: an incomplete installation, or a clone whose runtime wheel is not built."""


@dataclass(frozen=True, slots=True)
class Kit:
    root: Path  # the images' build context
    installed: bool  # True: package data of an installed wheel; False: a clone

    def images(self) -> tuple[str, ...]:
        """The kit's images: every containers/<name>/ with a Dockerfile."""
        return tuple(sorted(d.name for d in (self.root / "containers").iterdir() if (d / "Dockerfile").is_file()))

    def dockerfile(self, image: str) -> Path:
        return self.root / "containers" / image / "Dockerfile"

    @property
    def offline_base_script(self) -> Path:
        return self.root / OFFLINE_BASE_SCRIPT

    def runtime_wheel(self) -> Path:
        """The byoc-runtime wheel the images install (and `byoc init` copies into a project)."""
        wheels = sorted((self.root / RUNTIME_WHEELS).glob("byoc_runtime-*-py3-none-any.whl"))
        if len(wheels) == 1:
            return wheels[0]
        if not self.installed:
            found = ", ".join(w.name for w in wheels) or "none"
            raise KitFilesError(f"this clone needs exactly one byoc-runtime wheel in {self.root / RUNTIME_WHEELS} "
                                f"(found: {found}): run `make wheel`")
        raise KitFilesError(f"the byoc-runtime wheel is missing from {self.root / RUNTIME_WHEELS}: reinstall "
                            "byoc-processing from its wheel")


def locate() -> Kit:
    """The installed wheel's copy of the kit's files, else the clone this launcher runs from."""
    packaged = files("launcher") / PACKAGED_FOLDER
    if packaged.is_dir():
        if not isinstance(packaged, Path):  # a zipped install: docker needs real files for its build context
            raise KitFilesError(f"byoc's kit files are inside an archive ({packaged}): install byoc-processing "
                                "with pip or pipx, which unpack them")
        return Kit(packaged, installed=True)
    clone = Path(__file__).resolve().parents[1]
    if (clone / "containers").is_dir() and (clone / "entrypoints" / "pyproject.toml").is_file():
        return Kit(clone, installed=False)
    raise KitFilesError(f"byoc's kit files are missing (no {packaged}, and {clone} is not a clone of the kit): "
                        "reinstall byoc-processing from its wheel (`make dist` in a clone builds it)")
