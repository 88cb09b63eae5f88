"""Peak memory and time of loading a large table (issue 13: 1e6-row tables; issue 18: pyarrow).

    python -m evals.bench_load [--rows 1000000] [--cols 20] [--keep DIR]

Writes a seeded table (numeric columns, a binary treatment, a three-label text column) as CSV and
Parquet, then loads each in a fresh process, both with `load_table` (pyarrow, sampled before the
conversion to pandas) and the way the agent read tables before (`pandas.read_csv`, then
`DataFrame.sample`; both checksum the file), sampled to 200,000 rows and whole (the default
`--max-rows`, 2,000,000, keeps a 1e6-row table whole). Prints the peak resident memory
(ru_maxrss of the child) and the wall and CPU seconds. The baseline of a process that only
imports pandas and pyarrow is printed too, so the table's own cost can be read off.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

LOADERS = {
    "imports only": "import pandas, pyarrow.csv, pyarrow.parquet",
    "load_table": (
        "from tools.data import load_table\n"
        "t = load_table({path!r}, max_rows={max_rows})\n"
        "print(t.frame.shape)"
    ),
    "pandas (before)": (
        "import hashlib, pandas as pd\n"
        "path, max_rows = {path!r}, {max_rows}\n"
        "hashlib.file_digest(open(path, 'rb'), 'sha256')\n"
        "f = pd.read_parquet(path) if path.endswith('.parquet') else "
        "pd.read_csv(path, low_memory=False)\n"
        "if max_rows is not None and len(f) > max_rows:\n"
        "    f = f.sample(n=max_rows, random_state=0).sort_index().reset_index(drop=True)\n"
        "print(f.shape)"
    ),
}


def write_table(folder: Path, rows: int, cols: int) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    data = {f"x{i}": rng.normal(size=rows).round(4) for i in range(cols - 3)}
    data["t"] = rng.integers(0, 2, rows)
    data["y"] = rng.normal(size=rows).round(4)
    data["group"] = rng.choice(np.array(["a", "b", "c"]), rows)
    frame = pd.DataFrame(data)
    csv, parquet = folder / "big.csv", folder / "big.parquet"
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet)
    return csv, parquet


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--keep", type=Path, default=None, help="write the tables here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        csv, parquet = write_table(folder, args.rows, args.cols)
        print(f"{args.rows} x {args.cols}: CSV {csv.stat().st_size / 1e6:.0f} MB\n")
        print("| file | loader | --max-rows | peak RSS MB | wall s | CPU s |")
        print("|---|---|---:|---:|---:|---:|")
        for path in (csv, parquet):
            for max_rows in (200_000, None):
                for name, template in LOADERS.items():
                    if name == "imports only" and (path != csv or max_rows is None):
                        continue
                    code = template.format(path=str(path), max_rows=max_rows)
                    # A fresh measuring process per run: ru_maxrss of children is a running max.
                    probe = (
                        "import resource, subprocess, sys, time\n"
                        f"code = {code!r}\n"
                        "s = time.perf_counter()\n"
                        "subprocess.run([sys.executable, '-c', code], check=True, "
                        "capture_output=True)\n"
                        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
                        "print(u.ru_maxrss / 1024, time.perf_counter() - s, "
                        "u.ru_utime + u.ru_stime)\n"
                    )
                    done = subprocess.run(
                        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
                    )
                    peak, wall, cpu = map(float, done.stdout.split())
                    shown = "-" if name == "imports only" else (max_rows or "all")
                    print(
                        f"| {path.suffix[1:]} | {name} | {shown} | {peak:.0f} | {wall:.1f} | "
                        f"{cpu:.1f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
