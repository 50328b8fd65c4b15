"""What the benchmark scripts share: building the `jaanch` binary and the demo lake, running a
command with its time and peak memory measured, and the files of a Delta table."""

import argparse
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote

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


# Starts a command and waits for it: writes its exit code, peak resident KiB (ru_maxrss) and
# seconds to the file descriptor named first. A process's ru_maxrss starts from the resident
# set of the process it was forked from, so a command started straight from a benchmark that
# holds hundreds of MiB of answers would report at least that: started from this small
# interpreter (about 10 MiB), it reports its own.
LAUNCHER = """
import os, sys, time
report = int(sys.argv[1])
os.set_inheritable(report, False)
started = time.perf_counter()
try:
    pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
except OSError as error:
    sys.exit(f"cannot start {sys.argv[2]}: {error.strerror}")
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
os.write(report, f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss} {seconds}".encode())
"""


def run_measured(args, stdin_text: str = "") -> tuple:
    """Runs `args` with `stdin_text` on its standard input; returns (exit code, peak resident
    MiB, seconds, stdout, stderr). The command is started by LAUNCHER, which measures it: the
    peak is its ru_maxrss, the seconds from its start to its end. The output is read by
    threads, as Popen.communicate would."""
    report, written = os.pipe()
    process = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(written), *[str(a) for a in args]],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, pass_fds=(written,))
    os.close(written)
    out, err = [], []
    readers = [threading.Thread(target=lambda: out.append(process.stdout.read())),
               threading.Thread(target=lambda: err.append(process.stderr.read()))]
    for reader in readers:
        reader.start()
    try:
        process.stdin.write(stdin_text)
        process.stdin.close()
    except BrokenPipeError:
        pass  # the command ended without reading its input
    for reader in readers:
        reader.join()
    launcher = process.wait()
    with os.fdopen(report, "rb") as measured:
        fields = measured.read().split()
    if launcher != 0 or len(fields) != 3:
        raise SystemExit(err[0].strip() or f"{args[0]}: the launcher failed (exit {launcher})")
    code, peak, seconds = int(fields[0]), int(fields[1]), float(fields[2])
    return code, peak / 1024, seconds, out[0], err[0]


def delta_files(table: Path) -> list:
    """The data files of the latest version of the Delta table in folder `table`: those of its
    last checkpoint, then each later commit's added files less its removed ones. (The demo's
    tables have single-part checkpoints and no deletion vectors; other tables are refused.)"""
    import pyarrow.parquet

    log, live, first = table / "_delta_log", set(), 0
    if (log / "_last_checkpoint").exists():
        last = json.loads((log / "_last_checkpoint").read_text(encoding="utf-8"))
        if "parts" in last:
            raise SystemExit(f"{log}: multi-part checkpoints are not read here")
        checkpoint = pyarrow.parquet.read_table(log / f"{last['version']:020}.checkpoint.parquet",
                                                columns=["add"])
        live = {add["path"] for add in checkpoint.column("add").to_pylist() if add}
        first = last["version"] + 1
    for commit in sorted(log.glob("*.json")):
        if int(commit.stem) < first:
            continue
        for line in commit.read_text(encoding="utf-8").splitlines():
            action = json.loads(line)
            if "add" in action:
                if action["add"].get("deletionVector"):
                    raise SystemExit(f"{commit}: deletion vectors are not read here")
                live.add(action["add"]["path"])
            elif "remove" in action:
                live.discard(action["remove"]["path"])
    return [table / unquote(path) for path in sorted(live)]
