"""Check that requirements/*.lock carry every pin in pyproject.toml (run by `make lint`).

A dependency added to pyproject.toml without `make lock` would otherwise only show up as
an import error on a fresh install. Offline and instant: it reads the files, nothing else.
"""

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def locked_versions(lock: Path) -> dict[str, str]:
    """Name -> version of each `name==version` line of a lock file."""
    versions = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            name, _, rest = line.partition("==")
            versions[canonicalize_name(name)] = rest.split(";")[0].split()[0]
    return versions


def problems(requirements: list[str], lock: Path) -> list[str]:
    """What is unpinned in pyproject.toml, or missing or different in the lock."""
    locked = locked_versions(lock)
    found = []
    for text in requirements:
        requirement = Requirement(text)
        pins = [spec.version for spec in requirement.specifier if spec.operator == "=="]
        name = canonicalize_name(requirement.name)
        if not pins:
            found.append(f"{text}: pin an exact version (==) in pyproject.toml")
        elif locked.get(name) != pins[0]:
            found.append(f"{text}: {lock.name} has {locked.get(name, 'nothing')}")
    return found


def main() -> int:
    with open(ROOT / "pyproject.toml", "rb") as file:
        pyproject = tomllib.load(file)
    runtime = pyproject["project"]["dependencies"] + pyproject["build-system"]["requires"]
    dev = runtime + pyproject["project"]["optional-dependencies"]["dev"]
    found = problems(runtime, ROOT / "requirements/runtime.lock")
    found += problems(dev, ROOT / "requirements/dev.lock")
    for problem in found:
        print(problem, file=sys.stderr)
    if found:
        print("Run `make lock` and commit requirements/.", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
