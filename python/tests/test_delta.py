"""Delta tables from Python: reading as of a moment or version, the history, and what each
result read (its provenance)."""

import pyarrow as pa
import pytest

import jaanch


def count(lake: jaanch.Lake, sql: str = "SELECT count(*) AS n FROM cctns.fir") -> int:
    return lake.sql(sql).to_arrow().column(0)[0].as_py()


def test_as_of_on_connect_and_set_as_of(demo_lake_path):
    latest = jaanch.connect(demo_lake_path)
    assert latest.as_of is None
    versions = latest.sql(
        "SELECT version, rows FROM truth.delta_versions "
        "WHERE table_name = 'cctns.fir' ORDER BY version"
    ).to_arrow().to_pylist()
    assert count(latest) == versions[-1]["rows"]

    early = jaanch.connect(demo_lake_path, as_of="v1")
    assert early.as_of == "version 1"
    assert count(early) == versions[1]["rows"]

    latest.set_as_of("2025-11-30T23:59:00+05:30")
    assert latest.as_of == "2025-11-30T23:59:00+05:30"
    assert count(latest) == versions[0]["rows"]
    latest.set_as_of(None)
    assert latest.as_of is None
    assert count(latest) == versions[-1]["rows"]

    with pytest.raises(ValueError, match="cannot read \"next week\""):
        latest.set_as_of("next week")
    with pytest.raises(jaanch.Error, match="no version as of 2020-01-01"):
        latest.sql("SELECT count(*) FROM as_of(cctns.fir, '2020-01-01')")


def test_reads_say_which_versions_and_files(demo_lake_path):
    lake = jaanch.connect(demo_lake_path)
    result = lake.sql(
        "SELECT a.n, b.n FROM (SELECT count(*) AS n FROM as_of(cctns.fir, 'v0')) a, "
        "(SELECT count(DISTINCT district) AS n FROM cctns.accused) b"
    )
    reads = {(r["table"], r["version"]): r for r in result.reads}
    fir = reads[("cctns.fir", 0)]
    assert fir["committed_at"] == "2025-11-30T23:59:00+05:30"
    assert fir["files_in_table"] >= fir["files"]
    accused = reads[("cctns.accused", None)]
    assert accused["committed_at"] is None and accused["files"] >= 1
    page = lake.report("case_pendency").to_html()
    assert "Read" in page and "cctns.fir version" in page


def test_history(demo_lake_path):
    lake = jaanch.connect(demo_lake_path)
    history = lake.history("cctns.stolen_vehicles", limit=2).to_arrow().to_pylist()
    assert len(history) == 2
    assert history[0]["version"] > history[1]["version"]
    assert history[0]["operation"] in ("WRITE", "UPDATE")
    assert history[0]["rows"] >= 1
    with pytest.raises(jaanch.Error, match="a parquet table has no history"):
        lake.history("cctns.accused")


def test_a_server_reads_as_of_the_moment_its_client_asks(demo_lake_path):
    from test_server import serving

    local = jaanch.connect(demo_lake_path)
    first = count(local, "SELECT count(*) FROM as_of(cctns.fir, 0)")
    latest = count(local)
    assert first < latest
    with serving(demo_lake_path, "--single-user") as address:
        remote = jaanch.connect(f"grpc://{address}", as_of="2025-11-30T23:59:00+05:30")
        assert remote.as_of == "2025-11-30T23:59:00+05:30"
        assert count(remote) == first
        remote.set_as_of(None)
        assert count(remote) == latest
        remote.set_as_of("v0")
        assert count(remote) == first
        # A malformed header is refused by the server itself, not read as "latest".
        import pyarrow.flight as flight

        client = flight.FlightClient(f"grpc://{address}")
        options = flight.FlightCallOptions(headers=[(b"x-jaanch-as-of", b"someday")])
        from test_server import statement_query

        descriptor = flight.FlightDescriptor.for_command(
            statement_query("SELECT count(*) FROM cctns.fir")
        )
        with pytest.raises(pa.ArrowInvalid, match='x-jaanch-as-of: cannot read "someday"'):
            client.get_flight_info(descriptor, options)
