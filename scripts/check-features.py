#!/usr/bin/env python3
"""Checks that the first build, the test build and the Python module's build share their
compiled dependencies.

`cargo run` / `cargo build` (the default members, without dev-dependencies), `cargo test`
(the workspace without python/, with them) and maturin's build of python/ are three cargo
invocations. Where two of them resolve a shared dependency with different features, that crate
and every crate above it (DataFusion included) are compiled twice, which costs a new user or CI
most of 20 minutes. This compares the feature sets `cargo tree` resolves for the test build
with each of the others and lists every crate that differs, with where to pin the features.

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


# The builds compared with the test build: what they are called, the `cargo tree` arguments
# that resolve them, and where their feature pins are.
BUILDS = [
    ("the first build (cargo run)", ["--edges", "normal,build"], "cli/Cargo.toml"),
    (
        "the Python module's build",
        ["--package", "jaanch-python", "--edges", "normal,build"],
        "the end of python/Cargo.toml",
    ),
]


def main() -> int:
    tests = features("--workspace", "--exclude", "jaanch-python")
    failed = False
    for build, args, pins in BUILDS:
        other = features(*args)
        differ = [
            (name, tests[name], other[name])
            for name in sorted(tests.keys() & other.keys())
            if tests[name] != other[name]
        ]
        if not differ:
            print(f"check-features: {build} shares every dependency of the test build")
            continue
        failed = True
        print(
            f"check-features: these crates get other features in {build} than in the test "
            "build, so they and everything above them are compiled twice:",
            file=sys.stderr,
        )
        for name, test, own in differ:
            print(
                f"  {name}: tests {sorted(test)}, {build} {sorted(own)}; "
                f"missing: {sorted(test - own)}, extra: {sorted(own - test)}",
                file=sys.stderr,
            )
        print(f"hint: add the missing features to the feature pins in {pins}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
