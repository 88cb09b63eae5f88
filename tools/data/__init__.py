"""Load, profile and prepare a table for analysis (one module per step).

`read`: the file as users have it (dialect, encoding, Excel, numbers written as text);
`profile`: the documented rules typing each column; `checks`: roles and column names;
`prepare`: the analysis-ready numeric matrix.
"""

from tools.data.checks import (
    MAX_TREATMENT_LEVELS,
    MIN_ROWS_PER_LEVEL,
    check_distinct_roles,
    check_roles,
    closest_columns,
    require_column,
)
from tools.data.prepare import Prepared, prepare, seeded_rows
from tools.data.profile import (
    MAX_CATEGORICAL_CODES,
    MAX_MISSING_FRACTION,
    check_drop,
    classify_column,
    exclude_collinear,
    profile_table,
)
from tools.data.read import READERS, Table, file_sha256, load_table

__all__ = [
    "MAX_CATEGORICAL_CODES",
    "MAX_MISSING_FRACTION",
    "MAX_TREATMENT_LEVELS",
    "MIN_ROWS_PER_LEVEL",
    "READERS",
    "Prepared",
    "Table",
    "check_distinct_roles",
    "check_drop",
    "check_roles",
    "classify_column",
    "closest_columns",
    "exclude_collinear",
    "file_sha256",
    "load_table",
    "prepare",
    "seeded_rows",
    "profile_table",
    "require_column",
]
