"""`connect(..., cluster=...)`: statements run on a Ballista cluster of jaanch processes (one
scheduler and one executor on 127.0.0.1, free ports, stopped after the module) and give the
answers of this process."""

import os
import socket
import subprocess
import time

import pytest

import jaanch


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert process.poll() is None, f"the {what} exited: {process.stderr.read()}"
            assert time.monotonic() < deadline, f"the {what} did not listen on {port}"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def cluster(lake_path):
    """A scheduler and one executor of the small lake; yields the scheduler's df:// URL."""
    base = [os.environ["JAANCH_BIN"], "--lake", str(lake_path), "cluster"]
    port = free_port()
    url = f"df://127.0.0.1:{port}"
    processes = []

    def spawn(args, port, what):
        process = subprocess.Popen(
            base + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        processes.append(process)
        wait_for(port, process, what)

    try:
        spawn(["scheduler", "--port", str(port)], port, "scheduler")
        flight, grpc = free_port(), free_port()
        spawn(
            ["executor", "--scheduler", url, "--port", str(flight), "--grpc-port", str(grpc)],
            flight,
            "executor",
        )
        yield url
    finally:
        # SIGTERM, as a service manager stops them: an executor then removes its work folder.
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


QUERIES = [
    "SELECT district_canonical(district) AS d, count(*) AS n FROM cctns.fir GROUP BY 1 ORDER BY 1",
    "SELECT s.fir_id, r.read_id FROM cctns.stolen_vehicles s JOIN abhay.anpr_reads r "
    "ON plate_match_key(r.plate_text) = plate_match_key(s.plate) ORDER BY 1, 2",
    "SELECT dt, count(*) FROM abhay.anpr_reads GROUP BY dt ORDER BY dt",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_a_cluster_answers_as_this_process_does(lake_path, cluster, sql):
    here = jaanch.connect(lake_path).sql(sql).to_arrow()
    there = jaanch.connect(lake_path, cluster=cluster).sql(sql).to_arrow()
    assert there.num_rows > 0
    assert there.to_pylist() == here.to_pylist()


def test_local_runs_here_and_a_missing_scheduler_is_said(lake_path):
    sql = "SELECT count(*) AS n FROM cctns.fir"
    assert jaanch.connect(lake_path, cluster="local").sql(sql).to_arrow().to_pylist() == [{"n": 6}]
    url = f"df://127.0.0.1:{free_port()}"
    with pytest.raises(jaanch.QueryError, match=f"cannot reach the cluster's scheduler {url}"):
        jaanch.connect(lake_path, cluster=url).sql(sql)


def test_bad_cluster_urls_are_refused(lake_path):
    with pytest.raises(ValueError, match="df://HOST:PORT"):
        jaanch.connect(lake_path, cluster="http://scheduler:50050")
    with pytest.raises(ValueError, match="a server runs its statements"):
        jaanch.connect("grpc://127.0.0.1:1", cluster="df://127.0.0.1:50050")
