"""python -m benchmarks [name ...]: run benchmarks/bench_<name>.py (all of them by default)."""

import importlib
import pathlib
import sys

from ._harness import header


def main(argv):
    here = pathlib.Path(__file__).parent
    names = argv or sorted(p.stem[len("bench_"):] for p in here.glob("bench_*.py"))
    header()
    for name in names:
        print(f"\n== {name} ==", flush=True)
        importlib.import_module(f"benchmarks.bench_{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
