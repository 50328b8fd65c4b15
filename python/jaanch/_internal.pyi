"""Type stubs of the native module (python/src)."""

import datetime
import os
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any, final

import pyarrow

__version__: str

ParamValue = str | int | float | bool | bytes | datetime.date | datetime.datetime | None

class Error(Exception):
    """Base class of jaanch's errors; the message is one line saying what was wrong and where."""

class ConfigError(Error):
    """The lake config cannot be found, read or validated."""

class QueryError(Error):
    """A statement failed to parse, plan or run, names a table or column that does not exist, or
    a saved report cannot be found or read."""

class RefusedError(QueryError):
    """The lake's policy refused the statement: the lake is read-only, it would change a table
    of the lake config, or the user's role on a lake with access control may only query."""

class ParameterError(Error):
    """A query or report parameter is missing, unknown or of the wrong type."""

class AccessDeniedError(Error):
    """The lake's access control does not let this user do it: the user is not in the lake's
    access config, or the user's role requires a purpose and none is stated."""

def connect(
    path: str | os.PathLike[str] | None = None,
    user: str | None = None,
    purpose: str | None = None,
    password: str | None = None,
    tls_ca: str | os.PathLike[str] | None = None,
    as_of: str | None = None,
    cluster: str | None = None,
) -> Lake:
    """Opens a lake: ``path`` (a lake.toml, or a folder holding one), else ./lake.toml, else
    $JAANCH_LAKE, else the demo lake in the user's data directory (generated on first use).

    On a lake with access control the session is for ``user`` (else $JAANCH_USER, else the
    account name), who must be in the lake's access config (else ``AccessDeniedError``), and
    states ``purpose`` (an FIR or case number) for roles that require one.

    ``as_of`` reads every Delta table as it was at a moment (``"2024-06-30"``, the end of that
    day in IST; ``"2024-06-30 18:00"``; an RFC 3339 time) or version (``"v12"``).

    ``cluster`` runs the statements on a Ballista cluster of jaanch processes: its scheduler,
    ``"df://host:port"`` (``"local"`` runs them in this process whatever the lake config's
    ``[cluster]`` says)."""

def demo(
    out: str | os.PathLike[str], scale: float = 0.05, seed: int = 20240701
) -> pathlib.Path:
    """Generates a demo lake (synthetic Rajasthan police data) into ``out``; returns the path
    of its lake.toml. The same seed and scale give the same files."""

@final
class Lake:
    """A lake: its tables, the police functions and saved reports, ready for queries."""

    @property
    def name(self) -> str: ...
    @property
    def read_only(self) -> bool: ...
    @property
    def user(self) -> str:
        """The user the session runs statements for."""

    @property
    def purpose(self) -> str | None:
        """Why the user looks, if stated (``connect(purpose=...)`` or ``set_purpose``)."""

    @property
    def role(self) -> str | None:
        """The user's role on a lake with access control; ``None`` on a lake without."""

    def set_purpose(self, purpose: str) -> None:
        """States why the user looks (an FIR or case number), for the statements that follow."""

    @property
    def as_of(self) -> str | None:
        """The moment (or version) Delta tables are read as of; ``None`` for the latest."""

    def set_as_of(self, moment: str | None) -> None:
        """Reads every Delta table as it was at ``moment`` (``"2024-06-30"``, ``"v12"``) in the
        statements that follow; ``None`` reads the latest versions again."""

    def history(self, table: str, limit: int | None = None) -> Result:
        """The versions of a Delta table, newest first: time, operation, rows and files."""

    def sql(
        self,
        query: str,
        params: Mapping[str, ParamValue] | Sequence[ParamValue] | None = None,
    ) -> Result:
        """Runs one SQL statement to its end and returns its rows. ``params`` binds ``$name``
        placeholders from a dict, or ``$1``, ``$2``, ... from a list, as typed values."""

    def report(self, name: str, /, **params: Any) -> Result:
        """Runs a saved report (a name, or a path to a .sql file). Values are converted to text
        and checked against the report's declared types; ``None`` means the default."""

    def reports(self) -> list[ReportInfo]: ...
    def tables(self) -> list[TableInfo]: ...
    def describe(self, table: str) -> list[ColumnInfo]: ...
    def functions(self, pattern: str | None = None) -> list[FunctionInfo]: ...
    def register(self, name: str, data: Any) -> None:
        """Makes ``data`` (pyarrow, pandas, Polars: anything with ``__arrow_c_stream__``) an
        in-memory table named ``name``, joinable with the lake's tables. Replaces a table
        registered under the same name; works on a read-only lake."""

    def deregister(self, name: str) -> None:
        """Removes a table made by ``register``."""

@final
class Result:
    """A query's rows, held in memory as Arrow record batches."""

    @property
    def schema(self) -> pyarrow.Schema: ...
    @property
    def columns(self) -> list[str]: ...
    @property
    def num_rows(self) -> int: ...
    @property
    def reads(self) -> list[dict[str, Any]]:
        """The lake tables the statement read: ``table``, the Delta ``version`` and its
        ``committed_at`` (``None`` for tables without versions), ``files`` read after pruning,
        ``files_in_table``."""

    def to_arrow(self) -> pyarrow.Table: ...
    def to_pandas(self, **kwargs: Any) -> Any:
        """A ``pandas.DataFrame``; keyword arguments go to ``pyarrow.Table.to_pandas``."""

    def to_polars(self) -> Any:
        """A ``polars.DataFrame``."""

    def to_html(self) -> str:
        """One self-contained HTML page: title, parameters, provenance, a report's chart as
        SVG, a map of the districts when there is a district column, and the first 1,000 rows.
        It loads nothing and runs no script."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def __len__(self) -> int: ...
    def _repr_html_(self) -> str: ...

@final
class TableInfo:
    name: str
    format: str
    location: str | None
    description: str | None
    def to_dict(self) -> dict[str, Any]: ...

@final
class ColumnInfo:
    name: str
    data_type: str
    nullable: bool
    description: str | None
    def to_dict(self) -> dict[str, Any]: ...

@final
class FunctionInfo:
    name: str
    kind: str
    summary: str
    syntax: str | None
    def to_dict(self) -> dict[str, Any]: ...

@final
class ReportParam:
    name: str
    type: str
    default: str | None
    required: bool
    def to_dict(self) -> dict[str, Any]: ...

@final
class ReportInfo:
    name: str
    title: str
    description: str | None
    params: list[ReportParam]
    origin: str
    output: list[str]
    def to_dict(self) -> dict[str, Any]: ...
