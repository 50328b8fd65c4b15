"""Saved reports from Python: listing, typed parameters, errors."""

import datetime

import pytest

import jaanch


def plates(result) -> list[str]:
    return [r["plate"] for r in result.to_arrow().to_pylist()]


def test_reports_lists_the_lake_folder(lake, lake_path):
    reports = {r.name: r for r in lake.reports()}
    report = reports["stolen_in_district"]
    assert isinstance(report, jaanch.ReportInfo)
    assert report.title == "Stolen vehicles of a district"
    assert report.description.startswith("Stolen vehicles of one district")
    assert report.origin == str(lake_path.parent / "sql" / "stolen_in_district.sql")
    assert [(p.name, p.type, p.default, p.required) for p in report.params] == [
        ("district", "text", None, True),
        ("since", "date", "date '2019-01-01'", False),
        ("min_fir", "int", "0", False),
    ]
    assert report.to_dict()["params"] == "district text, since date = date '2019-01-01', min_fir int = 0"


def test_run_a_report_with_defaults(lake):
    result = lake.report("stolen_in_district", district="Jaipur")
    assert plates(result) == ["RJ14CA0012", "RJ14CB0345", "RJ14CC9999"]
    assert result.columns == ["fir_id", "plate", "district", "stolen_at"]


def test_report_parameters_are_typed(lake):
    since = lake.report("stolen_in_district", district="Jaipur", since=datetime.date(2024, 7, 1))
    assert plates(since) == ["RJ14CB0345", "RJ14CC9999"]
    as_text = lake.report("stolen_in_district", district="Jaipur", since="2024-07-01", min_fir=5)
    assert plates(as_text) == ["RJ14CC9999"]
    # None leaves the default in place.
    assert len(lake.report("stolen_in_district", district="Jaipur", since=None)) == 3


def test_report_by_path(lake, lake_path):
    path = lake_path.parent / "sql" / "stolen_in_district.sql"
    assert len(lake.report(str(path), district="Jaipur")) == 3


def test_report_values_stay_values(lake):
    assert len(lake.report("stolen_in_district", district="Jaipur' OR '1'='1")) == 0


def test_report_parameter_errors(lake):
    with pytest.raises(
        jaanch.ParameterError,
        match=r"^missing parameter district \(text\) for report stolen_in_district: pass district=VALUE$",
    ):
        lake.report("stolen_in_district")
    with pytest.raises(jaanch.ParameterError, match=r'parameter since: "yesterday" is not a date YYYY-MM-DD'):
        lake.report("stolen_in_district", district="Jaipur", since="yesterday")
    with pytest.raises(jaanch.ParameterError, match=r"parameter min_fir: \"2.5\" is not a whole number"):
        lake.report("stolen_in_district", district="Jaipur", min_fir=2.5)
    with pytest.raises(jaanch.ParameterError, match=r"unknown parameter distric for report stolen_in_district \(did you mean district\?"):
        lake.report("stolen_in_district", district="Jaipur", distric="Kota")


def test_unknown_report(lake):
    with pytest.raises(jaanch.QueryError, match=r"no report named stolen_in_distric \(did you mean stolen_in_district\?\)"):
        lake.report("stolen_in_distric")
