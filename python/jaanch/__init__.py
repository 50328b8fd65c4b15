"""jaanch: SQL over a police data lake, in notebooks and scripts.

    import jaanch
    lake = jaanch.connect()                       # ./lake.toml, $JAANCH_LAKE or the demo lake
    lake.sql("SELECT plate_normalize('rj 14 ca 12') AS plate").to_pandas()

``connect`` opens a lake the way the ``jaanch`` command does; on a lake with access control,
``connect(path, user=..., purpose=...)`` names who looks and why. ``Lake.sql`` runs one statement
and returns a ``Result``: the rows held in memory as Arrow record batches (queries run to their
end when called, with the GIL released; Ctrl-C or the notebook's interrupt cancels them).
A ``Result`` converts to pyarrow, pandas and Polars without copying, renders as an HTML table
in notebooks, and exports the Arrow PyCapsule stream interface (``pyarrow.table(result)``,
``polars.DataFrame(result)``, DuckDB).

Errors are ``jaanch.Error`` and its subclasses ``ConfigError``, ``QueryError`` (with
``RefusedError`` for statements the lake's policy refuses), ``ParameterError`` and
``AccessDeniedError``, with the same one-line messages as the command line.
"""

from ._internal import (
    AccessDeniedError,
    ColumnInfo,
    ConfigError,
    Error,
    FunctionInfo,
    Lake,
    ParameterError,
    QueryError,
    RefusedError,
    ReportInfo,
    ReportParam,
    Result,
    TableInfo,
    __version__,
    connect,
    demo,
)

__all__ = [
    "AccessDeniedError",
    "ColumnInfo",
    "ConfigError",
    "Error",
    "FunctionInfo",
    "Lake",
    "ParameterError",
    "QueryError",
    "RefusedError",
    "ReportInfo",
    "ReportParam",
    "Result",
    "TableInfo",
    "__version__",
    "connect",
    "demo",
]
