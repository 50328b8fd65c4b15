#!/usr/bin/env python3
"""Checks that the Python module's build can reuse the test build's compiled dependencies.

`cargo test` (the workspace without python/) and maturin's build of python/ are two cargo
invocations. Where they resolve a shared dependency with different features, that crate and
every crate above it (DataFusion included) are compiled twice, which costs CI most of 20
minutes. This compares the feature sets `cargo tree` resolves for both and lists every crate
that differs, with what to add to python/Cargo.toml's feature pins.

Usage (from anywhere in the repository): python3 scripts/check-features.py
"""

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def features(*args: str) -> dict[str, set[str]]:
    """Crate ("name vX.Y.Z") -> features, as `cargo tree` resolves them for `args`."""
    out = subprocess.run(
        ["cargo", "tree", "--locked", "--prefix", "none", "--format", "{p}|{f}", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    crates: dict[str, set[str]] = defaultdict(set)
    for line in out.splitlines():
        if "|" not in line:
            continue
        # `cargo tree` marks repeated crates with "(*)" at the end of the line.
        package, flags = line.removesuffix(" (*)").split("|", 1)
        # Keep "name vX.Y.Z"; drop the path of workspace crates and markers like "(*)".
        name = " ".join(package.split()[:2])
        crates[name].update(f for f in flags.split(",") if f)
    return crates


def main() -> int:
    tests = features("--workspace", "--exclude", "jaanch-python")
    module = features("--package", "jaanch-python", "--edges", "normal,build")
    differ = [
        (name, tests[name], module[name])
        for name in sorted(tests.keys() & module.keys())
        if tests[name] != module[name]
    ]
    if not differ:
        print("check-features: the Python module shares every dependency of the test build")
        return 0
    print(
        "check-features: these crates get other features in the Python module's build than in "
        "the test build, so they and everything above them are compiled twice:",
        file=sys.stderr,
    )
    for name, test, mod in differ:
        print(
            f"  {name}: tests {sorted(test)}, module {sorted(mod)}; "
            f"missing in the module: {sorted(test - mod)}, extra: {sorted(mod - test)}",
            file=sys.stderr,
        )
    print(
        "hint: add the missing features to the feature pins at the end of python/Cargo.toml",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
