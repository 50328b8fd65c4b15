"""What the benchmark scripts share: building the `jaanch` binary and the demo lake."""

import argparse
import os
import re
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def add_build_options(parser: argparse.ArgumentParser) -> None:
    """--no-build and --profile, as every script takes them."""
    parser.add_argument("--no-build", action="store_true", help="use the binary built before")
    parser.add_argument("--profile", default="release", help="cargo profile to build and run")


def jaanch_binary(options: argparse.Namespace) -> Path:
    """The `jaanch` binary of the chosen profile, built first unless --no-build."""
    if not options.no_build:
        subprocess.run(
            ["cargo", "build", "--profile", options.profile, "--locked", "-p", "jaanch-cli"],
            cwd=ROOT,
            check=True,
        )
    return TARGET / ("debug" if options.profile == "dev" else options.profile) / "jaanch"


def generator_version() -> str:
    """The demo generator's GENERATOR_VERSION, so that a lake of an older generator is not
    reused after the generator changes."""
    text = (ROOT / "demo" / "src" / "lib.rs").read_text(encoding="utf-8")
    match = re.search(r"pub const GENERATOR_VERSION: u32 = (\d+);", text)
    if match is None:
        raise SystemExit("demo/src/lib.rs: GENERATOR_VERSION not found")
    return match.group(1)


def demo_lake(binary: Path, scale: float) -> Path:
    """The demo lake's folder at `scale`, generated into the target folder on first use."""
    lake = TARGET / f"bench-demo-v{generator_version()}-scale{scale:g}"
    if not (lake / "lake.toml").exists():
        subprocess.run([binary, "demo", "--scale", str(scale), "--out", lake], check=True)
    return lake


def proc_status_mib(pid: int, key: str) -> float:
    """A memory figure of a running process from /proc (`VmRSS`: resident now, `VmHWM`: its
    peak), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} for process {pid}")


def run_measured(args, stdin_text: str = "") -> tuple:
    """Runs `args` with `stdin_text` on its standard input; returns (exit code, peak resident
    MiB, seconds, stdout, stderr). The peak is the process's ru_maxrss, from wait4: the output
    is read by threads, as Popen.communicate would, but without its final wait, which would
    take the exit status (and the resource usage) first."""
    started = time.perf_counter()
    process = subprocess.Popen([str(a) for a in args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    out, err = [], []
    readers = [threading.Thread(target=lambda: out.append(process.stdout.read())),
               threading.Thread(target=lambda: err.append(process.stderr.read()))]
    for reader in readers:
        reader.start()
    process.stdin.write(stdin_text)
    process.stdin.close()
    for reader in readers:
        reader.join()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024, time.perf_counter() - started, out[0], err[0]
