"""Results into pyarrow, pandas, Polars and DuckDB without copying; repr and HTML."""

import datetime

import pyarrow as pa
import pytest

import jaanch

QUERY = "SELECT fir_id, district, registered_at, sections FROM cctns.fir ORDER BY fir_id"


def data_address(table: pa.Table, column: str) -> int:
    """Address of the first chunk's value buffer of `column`."""
    return table.column(column).chunk(0).buffers()[1].address


def test_to_arrow(lake):
    result = lake.sql(QUERY)
    table = result.to_arrow()
    assert isinstance(table, pa.Table)
    assert table.num_rows == 6
    assert table.schema == result.schema
    assert isinstance(result.schema, pa.Schema)
    assert table.column("registered_at").type == pa.timestamp("us")
    assert table.column("district").to_pylist()[2] == "जयपुर"


def test_exports_share_the_results_buffers(lake):
    result = lake.sql(QUERY)
    first = result.to_arrow()
    second = result.to_arrow()
    through_capsule = pa.table(result)
    # Every export points at the same memory: the batches held by the result.
    assert data_address(first, "fir_id") == data_address(second, "fir_id")
    assert data_address(first, "fir_id") == data_address(through_capsule, "fir_id")
    assert through_capsule.equals(first)


def test_capsule_stream_can_be_read_many_times(lake):
    result = lake.sql(QUERY)
    reader = pa.RecordBatchReader.from_stream(result)
    assert reader.read_all().num_rows == 6
    assert pa.RecordBatchReader.from_stream(result).read_all().num_rows == 6
    # An unread stream is released when its capsule goes away.
    capsule = result.__arrow_c_stream__()
    del capsule


def test_to_pandas(lake):
    frame = lake.sql(QUERY).to_pandas()
    assert list(frame.columns) == ["fir_id", "district", "registered_at", "sections"]
    assert frame["fir_id"].tolist() == [1, 2, 3, 4, 5, 6]
    assert frame["registered_at"].iloc[0] == datetime.datetime(2024, 6, 30, 10, 0)
    assert frame["sections"].isna().tolist() == [False] * 5 + [True]


def test_to_polars(lake):
    pl = pytest.importorskip("polars")
    result = lake.sql(QUERY)
    frame = result.to_polars()
    assert isinstance(frame, pl.DataFrame)
    assert frame.shape == (6, 4)
    assert frame["district"].to_list()[2] == "जयपुर"
    # Polars reads the capsule stream directly too.
    assert pl.DataFrame(result).equals(frame)
    assert pl.from_arrow(result.to_arrow()).equals(frame)


def test_duckdb_reads_a_result(lake):
    duckdb = pytest.importorskip("duckdb")
    result = lake.sql(QUERY)
    con = duckdb.connect()
    counts = con.sql(
        "SELECT count(*) AS n, max(fir_id) AS top FROM result"
    ).fetchall()
    assert counts == [(6, 6)]
    rel = con.from_arrow(result)
    assert rel.aggregate("count(*)").fetchall() == [(6,)]


def test_len_and_repr(lake):
    result = lake.sql(QUERY)
    assert len(result) == 6
    text = repr(result)
    assert text.startswith("<jaanch.Result: 6 rows × 4 columns>\n")
    assert "जयपुर" in text
    assert "NULL" in text
    many = lake.sql("SELECT * FROM generate_series(1, 25) AS t(n)")
    assert repr(many).startswith("<jaanch.Result: 25 rows × 1 column, first 10 shown>")
    assert repr(many).count("\n") < 20


def test_repr_html_is_bounded_and_escaped(lake):
    html = lake.sql("SELECT n, '<b>' || n || '</b>' AS tag FROM generate_series(1, 25) AS t(n)")._repr_html_()
    assert html.count("<tr>") == 21  # header + 20 rows
    assert "25 rows × 2 columns (first 20 shown)" in html
    assert "&lt;b&gt;1&lt;/b&gt;" in html
    assert "<b>1</b>" not in html
    small = lake.sql(
        "SELECT $x AS x, NULL AS missing",
        params={"x": "\"quoted\" & 'single' <script>"},
    )._repr_html_()
    assert "&quot;quoted&quot; &amp; &#39;single&#39; &lt;script&gt;" in small
    assert "<em>NULL</em>" in small
    assert "1 row × 2 columns</p>" in small
    assert "first" not in small


def test_repr_html_of_an_empty_result(lake):
    html = lake.sql("SELECT fir_id FROM cctns.fir WHERE false")._repr_html_()
    assert "<th>fir_id<br><small>Int64</small></th>" in html
    assert "0 rows × 1 column" in html
