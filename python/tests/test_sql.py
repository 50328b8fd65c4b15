"""Lake.sql: queries, police functions, typed parameters and errors."""

import datetime

import pyarrow as pa
import pytest

import jaanch


def rows(result: jaanch.Result) -> list[dict]:
    return result.to_arrow().to_pylist()


def test_query_a_lake_table(lake):
    result = lake.sql("SELECT fir_id, category FROM cctns.fir WHERE fir_id <= 2 ORDER BY fir_id")
    assert isinstance(result, jaanch.Result)
    assert len(result) == 2
    assert result.num_rows == 2
    assert result.columns == ["fir_id", "category"]
    assert rows(result) == [
        {"fir_id": 1, "category": "Vehicle theft"},
        {"fir_id": 2, "category": "Vehicle theft"},
    ]


def test_partition_columns_and_reference_tables(lake):
    per_day = lake.sql("SELECT dt, count(*) AS n FROM abhay.anpr_reads GROUP BY dt ORDER BY dt")
    assert rows(per_day) == [{"dt": "2024-07-01", "n": 3}, {"dt": "2024-07-02", "n": 2}]
    districts = lake.sql("SELECT count(*) AS n FROM ref.districts")
    assert rows(districts)[0]["n"] > 40


def test_police_functions(lake):
    result = lake.sql(
        "SELECT plate_normalize('rj 14 ca 12') AS plate, plate_rto('RJ14CA0012') AS rto, "
        "district_canonical('जयपुर') AS district, phone_normalize('09829012345') AS phone, "
        "ipc_to_bns('379') AS bns"
    )
    assert rows(result) == [
        {
            "plate": "RJ14CA0012",
            "rto": "RJ14",
            "district": "Jaipur",
            "phone": "+919829012345",
            "bns": ["303(2)"],
        }
    ]


def test_police_functions_over_lake_columns(lake):
    result = lake.sql(
        "SELECT district_canonical(district) AS district, count(*) AS firs FROM cctns.fir "
        "GROUP BY 1 ORDER BY firs DESC, district"
    )
    assert rows(result)[0] == {"district": "Jaipur", "firs": 4}
    plates = lake.sql("SELECT plate_normalize(plate) AS p FROM cctns.stolen_vehicles ORDER BY fir_id")
    assert [r["p"] for r in rows(plates)] == ["RJ14CA0012", "RJ14CB0345", "RJ14CC9999"]


def test_noisy_reads_join_by_match_key(lake):
    result = lake.sql(
        "SELECT s.fir_id, r.read_id FROM cctns.stolen_vehicles s JOIN abhay.anpr_reads r "
        "ON plate_match_key(s.plate) = plate_match_key(r.plate_text) ORDER BY r.read_id"
    )
    assert [(r["fir_id"], r["read_id"]) for r in rows(result)] == [(1, 10), (2, 12), (1, 20)]


def test_typed_named_parameters(lake):
    aware = datetime.datetime(2024, 7, 1, 10, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
    result = lake.sql(
        "SELECT $s AS s, $i AS i, $f AS f, $b AS b, $n AS n, $d AS d, $t AS t, $tz AS tz, $raw AS raw",
        params={
            "s": "Jaipur",
            "i": 42,
            "f": 2.5,
            "b": True,
            "n": None,
            "d": datetime.date(2024, 7, 1),
            "t": datetime.datetime(2024, 7, 1, 10, 30, 15, 250),
            "tz": aware,
            "raw": b"\x00\xff",
        },
    )
    schema = result.schema
    assert schema.field("s").type in (pa.string(), pa.string_view(), pa.large_string())
    assert schema.field("i").type == pa.int64()
    assert schema.field("f").type == pa.float64()
    assert schema.field("b").type == pa.bool_()
    assert schema.field("d").type == pa.date32()
    assert schema.field("t").type == pa.timestamp("us")
    assert schema.field("tz").type == pa.timestamp("us", tz="+05:30")
    row = rows(result)[0]
    assert row["s"] == "Jaipur"
    assert row["i"] == 42
    assert row["f"] == 2.5
    assert row["b"] is True
    assert row["n"] is None
    assert row["d"] == datetime.date(2024, 7, 1)
    assert row["t"] == datetime.datetime(2024, 7, 1, 10, 30, 15, 250)
    assert row["tz"] == aware
    assert row["raw"] == b"\x00\xff"


def test_parameters_filter_lake_tables(lake):
    result = lake.sql(
        "SELECT fir_id FROM cctns.fir WHERE district_canonical(district) = $district "
        "AND registered_at >= $since ORDER BY fir_id",
        params={"district": "Jaipur", "$since": datetime.date(2024, 7, 1)},
    )
    assert [r["fir_id"] for r in rows(result)] == [2, 3, 5]


def test_numpy_scalars_bind_as_numbers(lake):
    np = pytest.importorskip("numpy")
    row = rows(lake.sql("SELECT $i AS i, $f AS f", params={"i": np.int64(7), "f": np.float64(0.5)}))[0]
    assert row == {"i": 7, "f": 0.5}


def test_positional_parameters(lake):
    result = lake.sql("SELECT fir_id FROM cctns.fir WHERE fir_id BETWEEN $1 AND $2 ORDER BY 1", [2, 3])
    assert [r["fir_id"] for r in rows(result)] == [2, 3]


def test_injection_attempt_stays_a_value(lake):
    attack = "Jaipur' OR '1'='1"
    result = lake.sql("SELECT count(*) AS n FROM cctns.fir WHERE district = $d", params={"d": attack})
    assert rows(result) == [{"n": 0}]
    echoed = lake.sql("SELECT $d AS d", params={"d": "x'); DROP TABLE cctns.fir; --"})
    assert rows(echoed) == [{"d": "x'); DROP TABLE cctns.fir; --"}]
    assert len(lake.sql("SELECT * FROM cctns.fir")) == 6


def test_parameter_problems_are_parameter_errors(lake):
    with pytest.raises(jaanch.ParameterError, match=r"missing value for parameter \$b"):
        lake.sql("SELECT $a AS a, $b AS b", params={"a": 1})
    with pytest.raises(jaanch.ParameterError, match=r"unknown parameter distrct: the query uses \$district"):
        lake.sql("SELECT $district AS d", params={"district": "Kota", "distrct": "Kota"})
    with pytest.raises(jaanch.ParameterError, match=r"the query uses \$district but no values were given for them"):
        lake.sql("SELECT $district AS d")
    with pytest.raises(jaanch.ParameterError, match=r"parameter x: cannot bind a value of type list"):
        lake.sql("SELECT $x AS x", params={"x": [1, 2]})
    with pytest.raises(jaanch.ParameterError, match="does not fit in a 64-bit integer"):
        lake.sql("SELECT $x AS x", params={"x": 2**70})
    with pytest.raises(jaanch.ParameterError, match="params must be a dict"):
        lake.sql("SELECT 1", params="x")
    with pytest.raises(jaanch.ParameterError, match=r"1 values given for the query uses \$1, \$2"):
        lake.sql("SELECT $1 AS a, $2 AS b", params=[1])


def test_bad_sql_is_a_one_line_query_error(lake):
    with pytest.raises(jaanch.QueryError) as error:
        lake.sql("SELEC fir_id FROM cctns.fir")
    message = str(error.value)
    assert "\n" not in message
    assert "SELEC" in message


def test_missing_table_names_the_closest(lake):
    with pytest.raises(jaanch.QueryError, match=r"^table cctns\.fri not found \(did you mean cctns\.fir\?\)$"):
        lake.sql("SELECT * FROM cctns.fri")


def test_missing_column_is_one_line(lake):
    with pytest.raises(jaanch.QueryError) as error:
        lake.sql("SELECT no_such_column FROM cctns.fir")
    assert "no_such_column" in str(error.value)
    assert "\n" not in str(error.value)


def test_read_only_lake_refuses_writes(lake):
    for statement, kind in [
        ("CREATE TABLE copy AS SELECT * FROM cctns.fir", "CREATE TABLE"),
        ("DROP TABLE cctns.fir", "DROP TABLE"),
        ("COPY (SELECT 1) TO '/tmp/jaanch-python-test.csv'", "COPY"),
    ]:
        with pytest.raises(jaanch.RefusedError) as error:
            lake.sql(statement)
        assert isinstance(error.value, jaanch.QueryError)
        assert str(error.value).startswith(f"the lake is read-only: {kind} is not allowed")


def test_one_statement_at_a_time(lake):
    with pytest.raises(jaanch.QueryError, match="expected one SQL statement, got 2"):
        lake.sql("SELECT 1; SELECT 2")
    with pytest.raises(jaanch.QueryError, match="got 0"):
        lake.sql("  ")


def test_writable_lake_runs_ddl(tmp_path):
    from conftest import write_lake

    lake = jaanch.connect(write_lake(tmp_path, read_only=False))
    assert not lake.read_only
    created = lake.sql("CREATE TABLE jaipur AS SELECT * FROM cctns.fir WHERE district = 'Jaipur'")
    assert len(created) <= 1
    assert rows(lake.sql("SELECT count(*) AS n FROM jaipur")) == [{"n": 1}]
    with pytest.raises(jaanch.RefusedError, match="defined in the lake config"):
        lake.sql("DROP TABLE cctns.fir")


def test_empty_result_keeps_its_schema(lake):
    result = lake.sql("SELECT fir_id, district FROM cctns.fir WHERE false")
    assert len(result) == 0
    table = result.to_arrow()
    assert table.num_rows == 0
    assert table.schema.names == ["fir_id", "district"]
