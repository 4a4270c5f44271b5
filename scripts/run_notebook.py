"""Executes a notebook as CI does: `python scripts/run_notebook.py NOTEBOOK [--in-place]`.

The executed copy goes to `target/notebooks/` (the tracked file is left as it is, so a test
run changes nothing under version control); `--in-place` refreshes the tracked outputs."""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

path = Path(sys.argv[1])
in_place = "--in-place" in sys.argv[2:]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
out = path if in_place else Path("target/notebooks") / path.name
out.parent.mkdir(parents=True, exist_ok=True)
nbformat.write(nb, out)
print(f"executed {path} into {out}")
