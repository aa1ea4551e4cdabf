"""python -m benchmarks [name ...] [--threads 1,2] [--quick] [--markdown PAGE.md]

Runs benchmarks/bench_<name>.py (all of them by default) once per thread setting, with both
libraries limited to that many BLAS and OpenMP threads (threadpoolctl), then prints the two
tables: time to solution (with the quality reached) and time per iteration. ``--markdown``
also writes the book's benchmark page (and a PNG of the ratios next to it).
"""

import argparse
import importlib
import pathlib
import sys
import time
import traceback

from . import _harness
from ._harness import header, print_tables, thread_limit


def main(argv):
    here = pathlib.Path(__file__).parent
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n\n")[1]
    )
    parser.add_argument("names", nargs="*", help="benchmark modules (default: all)")
    parser.add_argument(
        "--threads", default="1,2", help="comma-separated thread limits (default 1,2)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats (noisier; for a smoke test)"
    )
    parser.add_argument(
        "--markdown",
        metavar="PAGE",
        help="write the benchmark page to PAGE (and PAGE's stem + '_ratios.png')",
    )
    args = parser.parse_args(argv)
    names = args.names or sorted(p.stem[len("bench_"):] for p in here.glob("bench_*.py"))
    _harness.SETTING["quick"] = args.quick
    header()
    start = time.perf_counter()
    settings = [int(t) for t in args.threads.split(",")]
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:
        print("threadpoolctl is not installed: one run with the libraries' default threads")
        settings = [None]
    for n in settings:
        with thread_limit(n):
            for name in names:
                print(f"\n== {name}, {n or 'default'} thread(s) ==", flush=True)
                try:
                    importlib.import_module(f"benchmarks.bench_{name}").main()
                except Exception:  # one broken benchmark must not lose the others' results
                    traceback.print_exc()
                    _harness.FAILED.append(f"{name} ({n} threads)")
    elapsed = time.perf_counter() - start
    print_tables()
    if _harness.FAILED:
        print(f"\nFAILED: {', '.join(_harness.FAILED)}")
    print(f"\n(total {elapsed / 60:.1f} min)")
    if args.markdown:
        from ._page import write_page

        write_page(args.markdown, elapsed=elapsed, argv=argv)


if __name__ == "__main__":
    main(sys.argv[1:])
