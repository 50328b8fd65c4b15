"""What a lake holds: tables, columns, functions."""

import pytest

import jaanch


def test_tables(lake):
    tables = {t.name: t for t in lake.tables()}
    fir = tables["cctns.fir"]
    assert isinstance(fir, jaanch.TableInfo)
    assert fir.format == "parquet"
    assert fir.description == "First information reports"
    assert fir.location.endswith("cctns/fir/")
    assert tables["abhay.anpr_reads"].description == "Number-plate reads from ANPR cameras"
    assert tables["ref.districts"].format == "reference"
    assert fir.to_dict() == {
        "name": "cctns.fir",
        "format": "parquet",
        "location": fir.location,
        "description": "First information reports",
    }
    assert repr(fir).startswith("TableInfo(name='cctns.fir', format='parquet', location='")


def test_describe(lake):
    columns = lake.describe("cctns.fir")
    assert [c.name for c in columns] == ["fir_id", "district", "registered_at", "sections", "category"]
    district = columns[1]
    assert isinstance(district, jaanch.ColumnInfo)
    assert district.description == "District as written by the police station"
    assert district.nullable
    assert columns[0].data_type == "Int64"
    assert columns[0].description is None
    assert "Timestamp" in columns[2].data_type
    partitioned = lake.describe("abhay.anpr_reads")
    assert partitioned[-1].name == "dt"


def test_describe_unknown_table(lake):
    with pytest.raises(jaanch.QueryError, match=r"table cctns\.fri not found \(did you mean cctns\.fir\?\)"):
        lake.describe("cctns.fri")


def test_functions(lake):
    police = {f.name: f for f in lake.functions()}
    assert "plate_normalize" in police
    assert "district_canonical" in police
    assert all(f.kind == "police" for f in police.values())
    plate = police["plate_normalize"]
    assert plate.summary
    assert plate.syntax and "plate_normalize" in plate.syntax
    matching = [f.name for f in lake.functions("plate_*")]
    assert matching and all(name.startswith("plate_") for name in matching)
    assert any(f.kind == "aggregate" for f in lake.functions("count"))
