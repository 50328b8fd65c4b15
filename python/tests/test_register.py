"""Lake.register: notebook data as tables, joined with the lake's."""

import pyarrow as pa
import pytest

import jaanch

WATCH_QUERY = """
SELECT w.plate, w.reason, r.read_id
FROM watch_list w
JOIN abhay.anpr_reads r ON plate_match_key(r.plate_text) = plate_match_key(w.plate)
ORDER BY r.read_id
"""


def hits(lake) -> list[tuple]:
    return [(r["reason"], r["read_id"]) for r in lake.sql(WATCH_QUERY).to_arrow().to_pylist()]


def test_register_pyarrow_table_and_join_with_lake_table(lake):
    assert lake.read_only
    watch = pa.table({"plate": ["RJ 14 CA 0012", "MH-12-AB-1234"], "reason": ["stolen", "wanted"]})
    lake.register("watch_list", watch)
    assert hits(lake) == [("stolen", 10), ("wanted", 11), ("stolen", 20)]


def test_register_pandas(lake):
    pd = pytest.importorskip("pandas")
    lake.register("watch_list", pd.DataFrame({"plate": ["dl3cab0001"], "reason": ["bolo"]}))
    assert hits(lake) == [("bolo", 21)]


def test_register_polars(lake):
    pl = pytest.importorskip("polars")
    lake.register("watch_list", pl.DataFrame({"plate": ["RJ14CB0345"], "reason": ["stolen"]}))
    assert hits(lake) == [("stolen", 12)]


def test_register_a_dict_of_columns_and_a_result(lake):
    lake.register("numbers", {"n": [1, 2, 3]})
    doubled = lake.sql("SELECT n * 2 AS d FROM numbers ORDER BY n")
    lake.register("doubled", doubled)
    assert lake.sql("SELECT sum(d) AS s FROM doubled").to_arrow().to_pylist() == [{"s": 12}]


def test_registering_again_replaces_and_tables_lists_it(lake):
    lake.register("watch_list", pa.table({"plate": ["RJ14CA0012"], "reason": ["one"]}))
    lake.register("watch_list", pa.table({"plate": ["DL3CAB0001"], "reason": ["two"]}))
    assert hits(lake) == [("two", 21)]
    entry = [t for t in lake.tables() if t.name == "watch_list"]
    assert len(entry) == 1
    assert entry[0].format == "memory"
    columns = lake.describe("watch_list")
    assert [c.name for c in columns] == ["plate", "reason"]


def test_names_are_case_insensitive_like_sql(lake):
    lake.register("WatchList", {"x": [1]})
    assert len(lake.sql("SELECT * FROM watchlist")) == 1
    assert len(lake.sql("SELECT * FROM WatchList")) == 1


def test_deregister(lake):
    lake.register("temp_table", {"x": [1]})
    lake.deregister("temp_table")
    with pytest.raises(jaanch.QueryError, match="temp_table not found"):
        lake.sql("SELECT * FROM temp_table")
    with pytest.raises(jaanch.RefusedError, match="table cctns.fir is defined in the lake config"):
        lake.deregister("cctns.fir")
    with pytest.raises(jaanch.QueryError, match=r"table temp_tabel not found"):
        lake.deregister("temp_tabel")


def test_register_refuses_schema_names_and_non_tables(lake):
    with pytest.raises(ValueError, match="bare table name"):
        lake.register("cctns.watch", {"x": [1]})
    with pytest.raises(TypeError, match="cannot read a value of type object as a table"):
        lake.register("thing", object())


def test_register_refuses_a_broken_arrow_stream_export(lake):
    class NotACapsule:
        def __arrow_c_stream__(self, requested_schema=None):
            return 42

    class WrongCapsule:
        def __arrow_c_stream__(self, requested_schema=None):
            # A schema capsule where a stream capsule belongs.
            return pa.schema([("x", pa.int64())]).__arrow_c_schema__()

    with pytest.raises(
        TypeError, match=r"NotACapsule.__arrow_c_stream__\(\) did not return a capsule"
    ):
        lake.register("thing", NotACapsule())
    with pytest.raises(TypeError, match="did not return an \"arrow_array_stream\" capsule"):
        lake.register("thing", WrongCapsule())
    assert "thing" not in [t.name for t in lake.tables()]


def test_a_result_reads_back_through_the_stream_interface(lake):
    result = lake.sql("SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, NULL")
    assert isinstance(result.schema, pa.Schema)
    assert [(f.name, f.type) for f in result.schema] == [("a", pa.int64()), ("b", pa.utf8())]
    lake.register("again", result)
    counts = lake.sql("SELECT count(*) AS n, count(b) AS m FROM again").to_arrow()
    assert counts.to_pylist() == [{"n": 2, "m": 1}]
    empty = lake.sql("SELECT 1 AS a WHERE false")
    assert empty.to_arrow().num_rows == 0 and empty.schema.names == ["a"]
