"""Long queries release the GIL, and Ctrl-C (or a notebook's interrupt) cancels them."""

import _thread
import signal
import threading
import time

import pytest

# Far more work than any test waits for: cancelled after a fraction of a second, it would run
# for minutes.
ENDLESS = "SELECT sum(v % 7) AS s FROM generate_series(1, 1000000000000) AS t(v)"
# Long enough to watch another thread run meanwhile.
SECONDS = "SELECT sum(v % 7) AS s FROM generate_series(1, {n}) AS t(v)"


@pytest.fixture
def ctrl_c_raises():
    """Python's own Ctrl-C handler, whatever the process inherited: a shell starts background
    jobs with SIGINT ignored, and then `interrupt_main` would do nothing."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_cancels_a_running_query(lake, ctrl_c_raises):
    timer = threading.Timer(0.5, _thread.interrupt_main)
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            lake.sql(ENDLESS)
    finally:
        timer.cancel()
    elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 10, elapsed
    # The lake is usable afterwards.
    assert lake.sql("SELECT 1 AS x").to_arrow().to_pylist() == [{"x": 1}]


def test_queries_release_the_gil(lake):
    # Find a query size that takes a second or so on this machine.
    n = 5_000_000
    while True:
        started = time.monotonic()
        lake.sql(SECONDS.format(n=n))
        if time.monotonic() - started > 0.5 or n > 10**11:
            break
        n *= 4
    finished = threading.Event()
    errors = []

    def run():
        try:
            lake.sql(SECONDS.format(n=n))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            finished.set()

    worker = threading.Thread(target=run)
    worker.start()
    longest_gap = 0.0
    ticks = 0
    last = time.monotonic()
    while not finished.is_set():
        # Busy Python work: it only progresses while the query does not hold the GIL.
        sum(range(1000))
        now = time.monotonic()
        longest_gap = max(longest_gap, now - last)
        last = now
        ticks += 1
    worker.join()
    assert not errors
    assert ticks > 100
    assert longest_gap < 0.3, longest_gap
