"""`jaanch serve` from independent Flight SQL clients: pyarrow.flight (Flight SQL messages
written by hand) and ADBC's Flight SQL driver. The server runs on 127.0.0.1 with a free port
(read from its first line) and is stopped after the module.

The lake is the access fixture of test_access.py; the users' passwords are set with
`jaanch user passwd`, as an administrator would."""

import contextlib
import os
import subprocess
from pathlib import Path

import adbc_driver_flightsql
import adbc_driver_flightsql.dbapi
import adbc_driver_manager
import pyarrow as pa
import pyarrow.flight as flight
import pytest
import trustme

from test_access import PURPOSE, write_governed_lake

PASSWORDS = {"si.kota01": "kota-secret", "sp.range": "range:secret"}


def jaanch_bin() -> str:
    return os.environ["JAANCH_BIN"]


@pytest.fixture(scope="module")
def served_lake(tmp_path_factory) -> Path:
    """The access fixture with passwords set; returns its lake.toml."""
    config = write_governed_lake(tmp_path_factory.mktemp("served"))
    for user, password in PASSWORDS.items():
        subprocess.run(
            [jaanch_bin(), "--lake", str(config), "user", "passwd", user],
            input=password + "\n",
            text=True,
            check=True,
            capture_output=True,
        )
    assert "kota-secret" not in config.read_text()
    (config.parent / "sql").mkdir()
    (config.parent / "sql" / "firs_of.sql").write_text(
        "-- title: FIRs of a district\n-- param: district text\n-- param: after int = 0\n"
        "-- output: chart bar fir_id fir_id\n-- output: map district\n"
        "SELECT fir_id, district FROM cctns.fir WHERE district = $district AND fir_id > $after ORDER BY fir_id\n",
        encoding="utf-8",
    )
    return config


@contextlib.contextmanager
def serving(config: Path, *args: str):
    """`jaanch serve` on 127.0.0.1, any free port; yields its address (host:port)."""
    process = subprocess.Popen(
        [jaanch_bin(), "--lake", str(config), "serve", "--listen", "127.0.0.1:0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert "://" in line, line + process.stderr.read()
        yield line.strip().rsplit("://", 1)[1]
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(served_lake):
    with serving(served_lake) as address:
        yield address


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, data: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return varint(number << 3 | 2) + varint(len(data)) + data


def statement_query(sql: str) -> bytes:
    """A Flight SQL CommandStatementQuery, packed in google.protobuf.Any."""
    url = b"type.googleapis.com/arrow.flight.protocol.sql.CommandStatementQuery"
    return field(1, url) + field(2, field(1, sql.encode()))


def flight_query(address, user, password, sql, purpose=PURPOSE) -> pa.Table:
    client = flight.FlightClient(f"grpc://{address}")
    bearer = client.authenticate_basic_token(user, password)
    headers = [bearer]
    if purpose:
        headers.append((b"x-jaanch-purpose", purpose.encode()))
    options = flight.FlightCallOptions(headers=headers)
    descriptor = flight.FlightDescriptor.for_command(statement_query(sql))
    info = client.get_flight_info(descriptor, options)
    return client.do_get(info.endpoints[0].ticket, options).read_all()


def test_pyarrow_flight_sees_what_the_user_may_see(server):
    kota = flight_query(
        server, "si.kota01", PASSWORDS["si.kota01"], "SELECT fir_id, district, phone FROM cctns.fir ORDER BY fir_id"
    )
    assert kota.column("fir_id").to_pylist() == [1, 3]
    assert set(kota.column("district").to_pylist()) == {"Kota"}
    assert "9829012345" not in kota.column("phone").to_pylist()
    everything = flight_query(server, "sp.range", PASSWORDS["sp.range"], "SELECT count(*) AS n FROM cctns.fir")
    assert everything.column("n").to_pylist() == [5]


def test_pyarrow_flight_refusals(server):
    with pytest.raises(flight.FlightUnauthenticatedError, match="wrong user name or password"):
        flight_query(server, "si.kota01", "guess", "SELECT 1")
    # No purpose: the role requires one.
    with pytest.raises(flight.FlightUnauthorizedError, match="header x-jaanch-purpose"):
        flight_query(server, "si.kota01", PASSWORDS["si.kota01"], "SELECT 1", purpose=None)
    # A hidden table is a table that does not exist.
    # INVALID_ARGUMENT, which pyarrow raises as ArrowInvalid.
    with pytest.raises(pa.ArrowInvalid, match=r"table intel\.notes not found"):
        flight_query(server, "si.kota01", PASSWORDS["si.kota01"], "SELECT * FROM intel.notes")
    # No token at all.
    client = flight.FlightClient(f"grpc://{server}")
    descriptor = flight.FlightDescriptor.for_command(statement_query("SELECT 1"))
    with pytest.raises(flight.FlightUnauthenticatedError, match="log in first"):
        client.get_flight_info(descriptor)


def adbc_connect(server, user):
    return adbc_driver_flightsql.dbapi.connect(
        f"grpc://{server}",
        # The lake is read-only and has no transactions.
        autocommit=True,
        db_kwargs={
            adbc_driver_manager.DatabaseOptions.USERNAME.value: user,
            adbc_driver_manager.DatabaseOptions.PASSWORD.value: PASSWORDS[user],
            adbc_driver_flightsql.DatabaseOptions.RPC_CALL_HEADER_PREFIX.value
            + "x-jaanch-purpose": PURPOSE,
        },
    )


def test_adbc_queries_and_metadata(server):
    with adbc_connect(server, "si.kota01") as connection:
        with connection.cursor() as cursor:
            cursor.execute("SELECT fir_id, phone FROM cctns.fir ORDER BY fir_id")
            table = cursor.fetch_arrow_table()
        assert table.column("fir_id").to_pylist() == [1, 3]
        assert "9829012345" not in table.column("phone").to_pylist()
        objects = connection.adbc_get_objects().read_all().to_pylist()
        tables = {
            f"{schema['db_schema_name']}.{table['table_name']}"
            for catalog in objects
            for schema in catalog["catalog_db_schemas"] or []
            for table in schema["db_schema_tables"] or []
        }
        assert "cctns.fir" in tables
        assert "intel.notes" not in tables
        schema = connection.adbc_get_table_schema("fir", db_schema_filter="cctns")
        assert schema.names == ["fir_id", "district", "phone"]


def test_adbc_wrong_password_is_refused(server):
    with pytest.raises(adbc_driver_manager.Error, match="wrong user name or password"):
        adbc_driver_flightsql.dbapi.connect(
            f"grpc://{server}",
            db_kwargs={
                adbc_driver_manager.DatabaseOptions.USERNAME.value: "sp.range",
                adbc_driver_manager.DatabaseOptions.PASSWORD.value: "guess",
            },
        ).close()


def test_tls_with_a_certificate_the_test_makes(served_lake, tmp_path):
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    chain = tmp_path / "server.pem"
    chain.write_bytes(b"".join(blob.bytes() for blob in certificate.cert_chain_pems))
    key = tmp_path / "server.key"
    certificate.private_key_pem.write_to_path(str(key))
    with serving(served_lake, "--tls-cert", str(chain), "--tls-key", str(key)) as address:
        client = flight.FlightClient(
            f"grpc+tls://{address}", tls_root_certs=authority.cert_pem.bytes()
        )
        bearer = client.authenticate_basic_token("sp.range", PASSWORDS["sp.range"])
        options = flight.FlightCallOptions(headers=[bearer])
        descriptor = flight.FlightDescriptor.for_command(statement_query("SELECT count(*) AS n FROM cctns.fir"))
        info = client.get_flight_info(descriptor, options)
        assert client.do_get(info.endpoints[0].ticket, options).read_all().column("n").to_pylist() == [5]
        # A client that does not trust the certificate gets nothing.
        stranger = flight.FlightClient(f"grpc+tls://{address}")
        with pytest.raises(flight.FlightError):
            stranger.authenticate_basic_token("sp.range", PASSWORDS["sp.range"])
        # jaanch's own client, trusting the authority.
        import jaanch

        authority_file = tmp_path / "ca.pem"
        authority.cert_pem.write_to_path(str(authority_file))
        lake = jaanch.connect(
            f"grpc+tls://{address}", user="sp.range", password=PASSWORDS["sp.range"], tls_ca=authority_file
        )
        assert lake.sql("SELECT count(*) AS n FROM cctns.fir").to_arrow().column("n").to_pylist() == [5]
        with pytest.raises(jaanch.Error, match="cannot reach the server"):
            jaanch.connect(f"grpc+tls://{address}", user="sp.range", password=PASSWORDS["sp.range"])


def test_adbc_binds_parameters_as_values(server):
    with adbc_connect(server, "si.kota01") as connection:
        with connection.cursor() as cursor:
            sql = "SELECT fir_id FROM cctns.fir WHERE district = ? AND fir_id >= ? ORDER BY fir_id"
            cursor.execute(sql, ("Kota", 1))
            assert [row[0] for row in cursor.fetchall()] == [1, 3]
            # The row filter holds whatever is bound; a value is never SQL.
            for district in ("Jaipur", "Kota' OR '1'='1", "x'); DROP TABLE cctns.fir; --"):
                cursor.execute(sql, (district, 0))
                assert cursor.fetchall() == [], district
            # A value of the wrong type is refused with the reason.
            with pytest.raises(adbc_driver_manager.Error, match=r"parameter \$2: .* cannot be read as Int64"):
                cursor.execute(sql, ("Kota", "first"))
            # The connection still works.
            cursor.execute(sql, ("Kota", 2))
            assert [row[0] for row in cursor.fetchall()] == [3]


def test_adbc_calls_reports_with_typed_parameters(server):
    with adbc_connect(server, "sp.range") as connection:
        with connection.cursor() as cursor:
            cursor.execute("CALL reports()")
            reports = {row[0]: row for row in cursor.fetchall()}
            assert reports["firs_of"][-1] == "CALL firs_of(district => ?)"
            cursor.execute("CALL firs_of(district => ?, after => ?)", ("Jaipur", 2))
            table = cursor.fetch_arrow_table()
            assert table.column("fir_id").to_pylist() == [4, 5]
            cursor.execute("CALL firs_of(?)", ("Kota' OR '1'='1",))
            assert cursor.fetchall() == []
            with pytest.raises(adbc_driver_manager.Error, match=r"parameter \$1 \(after\): soon \(Utf8\) cannot be read as Int64"):
                cursor.execute("CALL firs_of(district => 'Kota', after => ?)", ("soon",))


def test_jaanch_connects_to_a_server_as_to_a_lake(served_lake, server):
    import jaanch

    remote = jaanch.connect(f"grpc://{server}", user="si.kota01", password=PASSWORDS["si.kota01"], purpose=PURPOSE)
    local = jaanch.connect(served_lake, user="si.kota01", purpose=PURPOSE)
    assert (remote.user, remote.purpose, remote.read_only) == ("si.kota01", PURPOSE, True)
    assert remote.name == f"grpc://{server}"
    sql = "SELECT fir_id, district, phone FROM cctns.fir WHERE fir_id >= ? ORDER BY fir_id"
    assert remote.sql(sql, params=[1]).to_arrow().to_pylist() == local.sql(sql, params=[1]).to_arrow().to_pylist()
    by_name = "SELECT count(*) AS n FROM cctns.fir WHERE district = $d"
    assert remote.sql(by_name, params={"d": "Kota"}).to_pandas()["n"].tolist() == [2]
    # Reports, with typed parameters given as Python values.
    assert remote.report("firs_of", district="Kota", after=1).to_arrow().column("fir_id").to_pylist() == [3]
    names = [r.name for r in remote.reports()]
    assert "firs_of" in names
    firs_of = next(r for r in remote.reports() if r.name == "firs_of")
    assert [(p.name, p.type, p.required) for p in firs_of.params] == [("district", "text", True), ("after", "int", False)]
    # Its hints come over the wire, so its page has its chart and map.
    assert firs_of.output == ["chart bar fir_id fir_id", "map district"]
    page = remote.report("firs_of", district="Kota").to_html()
    assert page.count('<rect class="bar"') == 2 and page.count('class="district has-value"') == 1
    # Tables and columns as the user sees them; functions as this version has them.
    tables = [t.name for t in remote.tables()]
    assert "cctns.fir" in tables and "intel.notes" not in tables
    assert [c.name for c in remote.describe("cctns.fir")] == ["fir_id", "district", "phone"]
    assert any(f.name == "plate_normalize" for f in remote.functions("plate_*"))
    # Refusals raise what a local lake raises, with the server's message.
    with pytest.raises(jaanch.QueryError, match=r"table intel\.notes not found"):
        remote.sql("SELECT * FROM intel.notes")
    with pytest.raises(jaanch.RefusedError):
        remote.sql("COPY (SELECT 1) TO '/tmp/x.csv'")
    with pytest.raises(jaanch.ParameterError, match="parameter"):
        remote.report("firs_of", district="Kota", after="soon")
    with pytest.raises(ValueError, match="works on a local lake only"):
        remote.register("watch_list", {"plate": ["RJ14CA0012"]})
    with pytest.raises(jaanch.AccessDeniedError, match="wrong user name or password"):
        jaanch.connect(f"grpc://{server}", user="si.kota01", password="guess")
    with pytest.raises(jaanch.AccessDeniedError, match="requires a purpose"):
        jaanch.connect(f"grpc://{server}", user="si.kota01", password=PASSWORDS["si.kota01"]).sql("SELECT 1")
    with pytest.raises(jaanch.Error, match="cannot reach the server at grpc://127.0.0.1:1"):
        jaanch.connect("grpc://127.0.0.1:1", user="si.kota01", password="x")
    with pytest.raises(ValueError, match="password and tls_ca are for a server"):
        jaanch.connect(served_lake, user="si.kota01", password="x")
