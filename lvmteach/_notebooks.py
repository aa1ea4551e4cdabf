"""Re-execute the book's notebooks in place: ``python -m lvmteach._notebooks [paths...]``.

Used by ``make notebooks``. Each notebook runs top to bottom in a fresh kernel of the current
environment, so the stored outputs (the reference results nbval checks) are regenerated only
on purpose. Pass notebook or folder paths to re-run only the chapters you changed.
"""

import os
import pathlib
import sys
import time


def find_notebooks(paths):
    for path in map(pathlib.Path, paths):
        if path.suffix == ".ipynb":
            yield path
        else:
            yield from sorted(
                p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts
            )


def execute(path, timeout=600):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(nb, path)
    return elapsed


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("PYTHONHASHSEED", "0")
    # One BLAS thread, as under `make nbval`: the stored outputs are then computed exactly as
    # the test run recomputes them, and small products do not stall on thread hand-offs.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    total = 0.0
    for path in find_notebooks(argv or ["book"]):
        elapsed = execute(path)
        total += elapsed
        print(f"{elapsed:6.1f} s  {path}")
    print(f"{total:6.1f} s  in all")


if __name__ == "__main__":
    main()
