"""Lakes with access control: who connects, why, and exactly what each user gets back.

The fixture: FIRs of two districts with phone numbers, and a table of notes. The district
analysts (si.kota01, si.jaipur01) see their own district's FIRs with phones masked, must state
a purpose, and are not granted the notes; the superintendent (sp.range) sees everything."""

import inspect
import os
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import jaanch

FIR = pa.table(
    {
        "fir_id": pa.array([1, 2, 3, 4, 5], pa.int64()),
        "district": ["Kota", "Jaipur", "Kota", "Jaipur", "Jaipur"],
        "phone": ["9829012345", "9414000001", "9829099999", "9414000002", "9414000003"],
    }
)

NOTES = pa.table({"note": ["informant: Kota 7"]})

LAKE_TOML = """\
name = "governed"
read_only = false

[[table]]
name = "cctns.fir"
location = "fir/"
format = "parquet"

[[table]]
name = "intel.notes"
location = "notes/"
format = "parquet"

[[access.role]]
name = "district_analyst"
tables = ["cctns.*"]
row_filter."cctns.fir" = "district = ${user.district}"
mask."*.phone" = "phone_mask"
require_purpose = true

[[access.role]]
name = "superintendent"
tables = ["cctns.*", "intel.*"]

[[access.user]]
name = "si.kota01"
role = "district_analyst"
district = "Kota"

[[access.user]]
name = "si.jaipur01"
role = "district_analyst"
district = "Jaipur"

[[access.user]]
name = "sp.range"
role = "superintendent"
"""

PURPOSE = "FIR 12/2024 PS Kotwali"

NOT_FOUND = "table {} not found (\\dt or SHOW TABLES lists the tables)"


def write_governed_lake(root: Path) -> Path:
    """Writes the fixture lake into `root`; returns its lake.toml."""
    (root / "fir").mkdir()
    pq.write_table(FIR, root / "fir" / "part-0.parquet")
    (root / "notes").mkdir()
    pq.write_table(NOTES, root / "notes" / "part-0.parquet")
    toml = root / "lake.toml"
    toml.write_text(LAKE_TOML, encoding="utf-8")
    return toml


@pytest.fixture(scope="module")
def governed(tmp_path_factory) -> Path:
    """A lake with access control; returns its lake.toml."""
    return write_governed_lake(tmp_path_factory.mktemp("governed"))


def column(result: jaanch.Result, name: str) -> list:
    return result.to_arrow().column(name).to_pylist()


def test_an_unknown_user_is_denied_at_connect(governed):
    with pytest.raises(jaanch.AccessDeniedError) as error:
        jaanch.connect(governed, user="nobody")
    assert str(error.value) == (
        "access denied: nobody is not a user of this lake (give --user NAME or set JAANCH_USER; user= in Python)"
    )
    assert isinstance(error.value, jaanch.Error)


def test_without_a_user_the_session_is_for_jaanch_user(governed, monkeypatch):
    monkeypatch.setenv("JAANCH_USER", "sp.range")
    lake = jaanch.connect(governed)
    assert (lake.user, lake.role, lake.purpose) == ("sp.range", "superintendent", None)
    monkeypatch.setenv("JAANCH_USER", "nobody.else")
    with pytest.raises(jaanch.AccessDeniedError, match=r"^access denied: nobody\.else is not"):
        jaanch.connect(governed)


def test_a_role_that_requires_a_purpose_runs_nothing_without_one(governed):
    lake = jaanch.connect(governed, user="si.kota01")
    assert lake.purpose is None
    with pytest.raises(jaanch.AccessDeniedError) as error:
        lake.sql("SELECT count(*) AS n FROM cctns.fir")
    assert str(error.value) == (
        "access denied: role district_analyst requires a purpose for every session: state it "
        '(--purpose "FIR 123/2024 PS Kotwali", \\purpose in the shell, purpose= in Python, the header x-jaanch-purpose on the server)'
    )
    # Nothing else answers either: a constant query, a parameterised one.
    with pytest.raises(jaanch.AccessDeniedError, match="requires a purpose"):
        lake.sql("SELECT 1 AS one")
    with pytest.raises(jaanch.AccessDeniedError, match="requires a purpose"):
        lake.sql("SELECT count(*) AS n FROM cctns.fir WHERE fir_id > $1", params=[0])
    lake.set_purpose(PURPOSE)
    assert lake.purpose == PURPOSE
    assert column(lake.sql("SELECT count(*) AS n FROM cctns.fir"), "n") == [2]


def test_rows_are_the_users_district_and_phones_are_masked(governed):
    kota = jaanch.connect(governed, user="si.kota01", purpose=PURPOSE)
    assert (kota.user, kota.role, kota.purpose) == ("si.kota01", "district_analyst", PURPOSE)
    seen = kota.sql("SELECT fir_id, district, phone FROM cctns.fir ORDER BY fir_id").to_arrow()
    # What the mask function makes of Kota's phones, as the unrestricted role computes it.
    superintendent = jaanch.connect(governed, user="sp.range")
    expected = superintendent.sql(
        "SELECT fir_id, district, phone_mask(phone) AS phone FROM cctns.fir "
        "WHERE district = 'Kota' ORDER BY fir_id"
    ).to_arrow()
    assert seen.to_pylist() == expected.to_pylist()
    assert seen.column("fir_id").to_pylist() == [1, 3]
    raw = set(FIR.column("phone").to_pylist())
    assert not raw & set(seen.column("phone").to_pylist())
    # Asking for the other district's rows, or the phone itself, finds nothing.
    hidden = kota.sql(
        "SELECT count(*) AS n FROM cctns.fir WHERE district = 'Jaipur' OR phone = '9829012345'"
    )
    assert column(hidden, "n") == [0]


def test_two_users_of_one_lake_see_different_rows(governed):
    kota = jaanch.connect(governed, user="si.kota01", purpose=PURPOSE)
    jaipur = jaanch.connect(governed, "si.jaipur01", "FIR 3/2025 PS Sodala")
    superintendent = jaanch.connect(governed, user="sp.range")
    query = "SELECT fir_id FROM cctns.fir ORDER BY fir_id"
    assert column(kota.sql(query), "fir_id") == [1, 3]
    assert column(jaipur.sql(query), "fir_id") == [2, 4, 5]
    assert column(superintendent.sql(query), "fir_id") == [1, 2, 3, 4, 5]
    # The unrestricted role sees the phones as they are.
    phones = superintendent.sql("SELECT phone FROM cctns.fir ORDER BY fir_id")
    assert column(phones, "phone") == FIR.column("phone").to_pylist()


def test_an_ungranted_table_is_a_table_that_does_not_exist(governed):
    kota = jaanch.connect(governed, user="si.kota01", purpose=PURPOSE)
    errors = {}
    for table in ("intel.notes", "intel.nothing"):
        with pytest.raises(jaanch.QueryError) as error:
            kota.sql(f"SELECT * FROM {table}")
        errors[table] = str(error.value)
    assert errors == {table: NOT_FOUND.format(table) for table in errors}
    with pytest.raises(jaanch.QueryError) as error:
        kota.describe("intel.notes")
    assert str(error.value) == NOT_FOUND.format("intel.notes")
    assert [t.name for t in kota.tables() if not t.name.startswith("ref.")] == ["cctns.fir"]
    superintendent = jaanch.connect(governed, user="sp.range")
    assert column(superintendent.sql("SELECT note FROM intel.notes"), "note") == [
        "informant: Kota 7"
    ]


@pytest.mark.parametrize(
    ("statement", "kind"),
    [
        ("CREATE TABLE mine AS SELECT * FROM cctns.fir", "CREATE TABLE"),
        ("COPY cctns.fir TO '{out}/copy.parquet'", "COPY"),
        ("COPY (SELECT phone FROM cctns.fir) TO '{out}/copy.csv'", "COPY"),
        ("INSERT INTO cctns.fir VALUES (9, 'Kota', '9829000000')", "INSERT INTO"),
    ],
)
def test_users_of_a_governed_lake_may_only_query(governed, tmp_path, statement, kind):
    sql = statement.format(out=tmp_path)
    for user, role in (("si.kota01", "district_analyst"), ("sp.range", "superintendent")):
        lake = jaanch.connect(governed, user=user, purpose=PURPOSE)
        with pytest.raises(jaanch.RefusedError) as error:
            lake.sql(sql)
        assert str(error.value) == f"{kind} is not allowed: role {role} may only query the lake"
    assert list(tmp_path.iterdir()) == []


def test_empty_user_or_purpose_is_a_mistake(governed):
    with pytest.raises(ValueError, match=r"^purpose is empty: state why you look"):
        jaanch.connect(governed, user="si.kota01", purpose="  ")
    with pytest.raises(ValueError, match=r"^user is empty: name a user"):
        jaanch.connect(governed, user="")
    lake = jaanch.connect(governed, user="si.kota01", purpose=PURPOSE)
    with pytest.raises(ValueError, match=r"^purpose is empty"):
        lake.set_purpose("")
    assert lake.purpose == PURPOSE


def test_a_lake_without_access_control_has_no_role(lake_path, monkeypatch):
    monkeypatch.setenv("JAANCH_USER", "anyone")
    lake = jaanch.connect(lake_path)
    assert (lake.user, lake.role, lake.purpose) == ("anyone", None, None)
    named = jaanch.connect(lake_path, user="analyst", purpose="FIR 1/2025")
    assert (named.user, named.role, named.purpose) == ("analyst", None, "FIR 1/2025")
    assert column(named.sql("SELECT count(*) AS n FROM cctns.fir"), "n") == [6]


def test_repr_names_the_user_and_counts_the_granted_tables(governed):
    kota = jaanch.connect(governed, user="si.kota01")
    assert repr(kota) == '<jaanch.Lake "governed": 1 table, user si.kota01 (role district_analyst)>'
    superintendent = jaanch.connect(governed, user="sp.range")
    assert repr(superintendent) == (
        '<jaanch.Lake "governed": 2 tables, user sp.range (role superintendent)>'
    )


def test_connect_takes_user_and_purpose_by_name_or_position():
    parameters = inspect.signature(jaanch.connect).parameters
    assert list(parameters) == ["path", "user", "purpose", "password", "tls_ca", "as_of", "cluster"]
    assert all(p.default is None for p in parameters.values())


def test_statements_from_python_are_on_the_audit_log(governed, tmp_path):
    """A lake that keeps an audit log records Python's statements, allowed or refused, with
    the client `python`; the log is a table only granted roles can read."""
    root = governed.parent
    audited = tmp_path / "audited.toml"
    keys = tmp_path / "keys"
    keys.mkdir()


    subprocess.run(
        [os.environ["JAANCH_BIN"], "audit", "keygen", str(keys / "audit.key")],
        check=True,
        capture_output=True,
    )
    text = LAKE_TOML.replace('location = "fir/"', f'location = "{root / "fir"}/"').replace(
        'location = "notes/"', f'location = "{root / "notes"}/"'
    )
    audited.write_text(
        text
        + '\n[access.audit]\ndir = "audit"\nsigning_key = "keys/audit.key"\n'
        + '\n[[access.role]]\nname = "auditor"\ntables = ["audit.log"]\n'
        + '\n[[access.user]]\nname = "aud"\nrole = "auditor"\n',
        encoding="utf-8",
    )
    kota = jaanch.connect(audited, user="si.kota01", purpose=PURPOSE)
    assert column(kota.sql("SELECT fir_id FROM cctns.fir ORDER BY fir_id"), "fir_id") == [1, 3]
    with pytest.raises(jaanch.RefusedError):
        kota.sql("CREATE TABLE t AS SELECT 1")
    with pytest.raises(jaanch.QueryError):
        kota.sql("SELECT * FROM audit.log")

    auditor = jaanch.connect(audited, user="aud")
    log = auditor.sql(
        'SELECT "user", purpose, client, outcome, "rows", array_to_string(tables, \',\') AS t '
        "FROM audit.log WHERE kind = 'statement' ORDER BY seq"
    ).to_arrow().to_pylist()
    assert log == [
        {"user": "si.kota01", "purpose": PURPOSE, "client": "python", "outcome": "ok", "rows": 2, "t": "cctns.fir"},
        {"user": "si.kota01", "purpose": PURPOSE, "client": "python", "outcome": "refused", "rows": None, "t": ""},
        {"user": "si.kota01", "purpose": PURPOSE, "client": "python", "outcome": "error", "rows": None, "t": ""},
    ]
    verified = subprocess.run(
        [os.environ["JAANCH_BIN"], "--lake", str(audited), "audit", "verify"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert verified.stdout.startswith("audit log intact: 4 records and 0 signed digests in 1 file")
