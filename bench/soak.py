#!/usr/bin/env python3
"""Soak: 1,000 statements in one shell session and in one Python session, memory sampled.

Runs --statements statements (a mix of what analysts type: aggregates, police functions,
joins, a saved report, listings, an error) in one `jaanch shell` fed through a pipe, and the
same in one Python session (`jaanch.connect`). Resident memory is sampled after the first
--warmup statements (caches filled, tables listed) and then every --every statements; a leak
shows as growth after the warm-up. Prints the samples and the growth from the warm-up to the
end.

Usage (from the repository root):

    python3 bench/soak.py [--scale 0.05] [--statements 1000] [--no-build] [--profile release]

The Python part needs the module built into the environment running this script (`maturin
develop`; it is skipped with a note if `import jaanch` fails). The demo lake is generated into
target/bench-demo-v{GENERATOR_VERSION}-scale{SCALE} on first use.
"""

import argparse
import os
import pty
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from common import add_build_options, demo_lake, jaanch_binary, proc_status_mib

STATEMENTS = [
    "SELECT district_canonical(district) AS d, count(*) AS firs FROM cctns.fir GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
    "SELECT plate_normalize(plate_text) AS p, count(*) FROM abhay.anpr_reads WHERE dt = '2024-03-01' GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
    "SELECT a.name, f.sections FROM cctns.accused a JOIN cctns.fir f USING (fir_id) WHERE f.fir_id % 997 = 0 LIMIT 20",
    "SELECT phone_normalize(phone) AS p, count(*) FROM cctns.accused GROUP BY 1 HAVING count(*) > 2 ORDER BY 2 DESC LIMIT 5",
    "SELECT law_sections(sections) AS s FROM cctns.fir LIMIT 50",
    "SELECT * FROM cctns.no_such_table",
    "SELECT count(*) FROM vahan.registrations WHERE plate_match_key(reg_no) = plate_match_key('RJ14CA0012')",
    "SELECT year, count(*) FROM cctns.fir GROUP BY year ORDER BY year",
]
SHELL_ONLY = ["\\dt", "\\r district_crime_summary"]


def statement(i: int, shell: bool) -> str:
    pool = STATEMENTS + (SHELL_ONLY if shell else [])
    return pool[i % len(pool)]


def soak_shell(binary: Path, lake: Path, options) -> list:
    """The interactive shell in a terminal (a pseudo-terminal), as an analyst types into it;
    its history goes to a scratch folder."""
    scratch = tempfile.mkdtemp()
    controller, terminal = pty.openpty()
    env = dict(os.environ, HOME=scratch, XDG_DATA_HOME=scratch, TERM="dumb")
    process = subprocess.Popen(
        [binary, "--lake", lake / "lake.toml", "shell"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
        close_fds=True,
    )
    os.close(terminal)
    # The shell's output is read all along, so that it never waits on a full terminal.
    output = bytearray()
    arrived = threading.Condition()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                chunk = b""
            with arrived:
                if not chunk:
                    output.extend(b"\0EOF")
                    arrived.notify_all()
                    return
                output.extend(chunk)
                arrived.notify_all()

    threading.Thread(target=drain, daemon=True).start()

    def read_until(marker: bytes) -> None:
        with arrived:
            if not arrived.wait_for(lambda: marker in output or b"\0EOF" in output, 120):
                raise RuntimeError(f"the shell did not answer: {bytes(output[-300:])!r}")
            if marker not in output:
                raise RuntimeError(f"the shell ended: {bytes(output[-300:])!r}")
            del output[: output.index(marker) + len(marker)]

    def send(text: str) -> None:
        os.write(controller, (text + "\n").encode())

    samples = []
    for i in range(options.statements):
        text = statement(i, shell=True)
        send(text if text.startswith("\\") else text + ";")
        done = i + 1
        if done == options.warmup or done % options.every == 0:
            # A marker, read back, so that everything before it has run.
            send(f"SELECT 'mark' || '-{done}' AS m;")
            read_until(f"mark-{done}".encode())
            samples.append((done, proc_status_mib(process.pid, "VmRSS")))
    send("\\q")
    process.wait(timeout=60)
    return samples


PYTHON_SOAK = """
import sys, jaanch
from pathlib import Path
lake = jaanch.connect(sys.argv[1])
statements, warmup, every = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
pool = {pool!r}
def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
for i in range(statements):
    try:
        lake.sql(pool[i % len(pool)]).to_arrow()
    except Exception:
        pass
    done = i + 1
    if done == warmup or done % every == 0:
        print(done, rss(), flush=True)
"""


def soak_python(lake: Path, options) -> list:
    script = PYTHON_SOAK.format(pool=STATEMENTS)
    run = subprocess.run(
        [sys.executable, "-c", script, str(lake / "lake.toml"), str(options.statements),
         str(options.warmup), str(options.every)],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip().splitlines()[-1])
    return [(int(n), float(mib)) for n, mib in (line.split() for line in run.stdout.splitlines())]


def report(name: str, samples: list) -> None:
    print(f"{name}: resident MiB after n statements")
    for n, mib in samples:
        print(f"  {n:6d} {mib:8.1f}")
    start, end = samples[0][1], samples[-1][1]
    print(f"  growth after the warm-up: {end - start:+.1f} MiB ({(end - start) / start * 100:+.1f} %)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--every", type=int, default=100)
    add_build_options(parser)
    options = parser.parse_args()
    binary = jaanch_binary(options)
    lake = demo_lake(binary, options.scale)
    print(f"demo lake scale {options.scale:g}, {options.statements} statements per session")
    report("shell", soak_shell(binary, lake, options))
    try:
        import jaanch  # noqa: F401
    except ImportError:
        print("python: skipped (the jaanch module is not installed in this environment)")
        return 0
    report("python", soak_python(lake, options))
    return 0


if __name__ == "__main__":
    sys.exit(main())
