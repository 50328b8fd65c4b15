"""Lakes for the tests: a small hand-written one (Parquet written with pyarrow, a lake.toml and
a report folder) and a small generated demo lake."""

import datetime
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import jaanch

T = datetime.datetime

FIR = pa.table(
    {
        "fir_id": pa.array([1, 2, 3, 4, 5, 6], pa.int64()),
        "district": ["Jaipur", "jaipur", "जयपुर", "Kota", "Jaipur East", "Ajmer"],
        "registered_at": pa.array(
            [
                T(2024, 6, 30, 10, 0),
                T(2024, 7, 1, 9, 30),
                T(2024, 7, 1, 18, 5),
                T(2024, 7, 2, 11, 0),
                T(2024, 7, 3, 12, 0),
                T(2024, 7, 4, 8, 45),
            ],
            pa.timestamp("us"),
        ),
        "sections": ["379 IPC", "303(2) BNS", "u/s 379, 411 IPC", "NDPS 8/15", "379 IPC", None],
        "category": ["Vehicle theft", "Vehicle theft", "Theft", "NDPS", "Vehicle theft", "Assault"],
    }
)

STOLEN = pa.table(
    {
        "fir_id": pa.array([1, 2, 5], pa.int64()),
        "plate": ["rj 14 ca 12", "RJ-14-CB-0345", "RJ14CC९९९९"],
        "district": ["Jaipur", "jaipur", "Jaipur East"],
        "stolen_at": pa.array(
            [T(2024, 6, 30, 2, 0), T(2024, 7, 1, 1, 0), T(2024, 7, 3, 3, 0)], pa.timestamp("us")
        ),
    }
)

READS_BY_DAY = {
    "2024-07-01": {
        "read_id": pa.array([10, 11, 12], pa.int64()),
        "camera_id": pa.array([1, 2, 1], pa.int64()),
        "seen_at": pa.array(
            [T(2024, 7, 1, 8, 0), T(2024, 7, 1, 9, 0), T(2024, 7, 1, 10, 0)], pa.timestamp("us")
        ),
        "plate_text": ["RJ14CA0012", "MH12AB1234", "RJ14CB0345"],
    },
    "2024-07-02": {
        "read_id": pa.array([20, 21], pa.int64()),
        "camera_id": pa.array([2, 3], pa.int64()),
        "seen_at": pa.array([T(2024, 7, 2, 8, 0), T(2024, 7, 2, 9, 0)], pa.timestamp("us")),
        "plate_text": ["RI14CA00I2", "DL3CAB0001"],
    },
}

LAKE_TOML = """\
name = "test-lake"
{read_only}

[[table]]
name = "cctns.fir"
location = "cctns/fir/"
format = "parquet"
description = "First information reports"
[table.columns]
district = "District as written by the police station"
sections = "Sections as written"

[[table]]
name = "cctns.stolen_vehicles"
location = "cctns/stolen_vehicles/"
format = "parquet"
description = "Vehicles reported stolen"
[table.columns]
plate = "Plate as entered, unnormalised"

[[table]]
name = "abhay.anpr_reads"
location = "abhay/anpr_reads/"
format = "parquet"
partitions = ["dt"]
description = "Number-plate reads from ANPR cameras"
"""

REPORT = """\
-- title: Stolen vehicles of a district
-- description: Stolen vehicles of one district since a date, with normalised plates.
-- param: district text
-- param: since date = date '2019-01-01'
-- param: min_fir int = 0
SELECT fir_id, plate_normalize(plate) AS plate, district_canonical(district) AS district, stolen_at
FROM cctns.stolen_vehicles
WHERE district_canonical(district) = $district AND stolen_at >= $since AND fir_id >= $min_fir
ORDER BY fir_id
"""


def write_lake(root: Path, read_only: bool = True) -> Path:
    """Writes the small lake into `root`; returns its lake.toml."""
    (root / "cctns" / "fir").mkdir(parents=True)
    pq.write_table(FIR, root / "cctns" / "fir" / "part-0.parquet")
    (root / "cctns" / "stolen_vehicles").mkdir(parents=True)
    pq.write_table(STOLEN, root / "cctns" / "stolen_vehicles" / "part-0.parquet")
    for day, columns in READS_BY_DAY.items():
        folder = root / "abhay" / "anpr_reads" / f"dt={day}"
        folder.mkdir(parents=True)
        pq.write_table(pa.table(columns), folder / "part-0.parquet")
    (root / "sql").mkdir()
    (root / "sql" / "stolen_in_district.sql").write_text(REPORT, encoding="utf-8")
    toml = root / "lake.toml"
    toml.write_text(
        LAKE_TOML.format(read_only="" if read_only else "read_only = false"), encoding="utf-8"
    )
    return toml


@pytest.fixture(scope="session")
def lake_path(tmp_path_factory) -> Path:
    return write_lake(tmp_path_factory.mktemp("lake"))


@pytest.fixture()
def lake(lake_path) -> jaanch.Lake:
    """A fresh session on the small lake (registered tables do not leak between tests)."""
    return jaanch.connect(lake_path)


@pytest.fixture(scope="session")
def demo_lake_path(tmp_path_factory) -> Path:
    """A small generated demo lake (about 85k rows)."""
    out = tmp_path_factory.mktemp("demo") / "lake"
    return Path(jaanch.demo(out, scale=0.01))


def dedent(text: str) -> str:
    return textwrap.dedent(text).strip()
