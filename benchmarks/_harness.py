"""Alternating timing of two implementations, the thread setting, and the two result tables.

Every comparison is recorded in :data:`RESULTS` with the BLAS/OpenMP thread setting it ran under
(:data:`SETTING`), into one of two tables:

* ``"solution"``: time to a converged answer, both sides from their defaults (or the same
  documented start) and matched tolerances, with the quality each side reached, so that a
  faster but worse answer cannot look like a win;
* ``"iteration"``: time per iteration (or epoch, or token update) from the same start, a check
  of the implementation rather than of what a user waits for.
"""

import contextlib
import os
import platform
import time
import warnings

import numpy as np

RESULTS = []
FAILED = []  # benchmarks that raised (python -m benchmarks goes on with the others)
# threads: the limit in force (None: the libraries' own default); quick: fewer repeats.
SETTING = {"threads": None, "quick": False}


def repeats(n):
    """``n`` repeats, or fewer with ``--quick`` (at least 1)."""
    return max(1, min(n, 2)) if SETTING["quick"] else n


@contextlib.contextmanager
def thread_limit(n):
    """BLAS and OpenMP limited to ``n`` threads in both libraries (threadpoolctl), if installed."""
    SETTING["threads"] = n
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        SETTING["threads"] = None
        yield
        return
    with threadpool_limits(limits=n):
        yield


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def time_pair(ours, reference, *, repeats=5, warmup=1):
    """Time ``ours()`` and ``reference()`` alternately; return (median_ours_s, median_ref_s).

    With ``--quick`` the repeats are capped at 2.
    """
    repeats = globals()["repeats"](repeats)
    for _ in range(warmup):
        _quiet(ours)
        _quiet(reference)
    t_ours, t_ref = [], []
    for i in range(repeats):
        pair = [(ours, t_ours), (reference, t_ref)]
        if i % 2:  # alternate which goes first
            pair.reverse()
        for fn, out in pair:
            start = time.perf_counter()
            _quiet(fn)
            out.append(time.perf_counter() - start)
    return float(np.median(t_ours)), float(np.median(t_ref))


def time_fits(ours, reference, *, repeats=3):
    """Like :func:`time_pair` for fits that return the fitted model: also returns both models.

    Returns ``(t_ours, t_ref, model_ours, model_ref)``; the models are from the last repeat
    (the fits are seeded, so every repeat gives the same answer).
    """
    models = {}

    def keep(fn, key):
        return lambda: models.__setitem__(key, fn())

    t_ours, t_ref = time_pair(keep(ours, "ours"), keep(reference, "ref"), repeats=repeats, warmup=0)
    return t_ours, t_ref, models["ours"], models["ref"]


def report(
    name,
    t_ours,
    t_ref,
    *,
    per=1,
    unit="iteration",
    goal=None,
    table="iteration",
    quality=None,
    reference="scikit-learn",
    note="",
):
    """Record and print one comparison: per-unit times, the ratio, the goal, the quality reached.

    ``quality`` is ``(label, ours, reference)``: the figure each side reached (log-likelihood,
    loss, inertia, perplexity), printed next to the times.
    """
    ratio = t_ours / t_ref
    verdict = ""
    if goal is not None:
        verdict = f"  goal <= {goal:.2f}x: {'met' if ratio <= goal else 'NOT met'}"
    threads = SETTING["threads"]
    qual = ""
    if quality is not None:
        label, q_ours, q_ref = quality
        qual = f"   {label}: ours {_fmt(q_ours)} ref {_fmt(q_ref)}"
    print(
        f"[{threads or '-'} thr] {name:<52s} ours {_time(t_ours / per, unit):>18s}   ref "
        f"{_time(t_ref / per, unit):>18s}"
        f"   ratio {ratio:5.2f}x{verdict}{qual}",
        flush=True,
    )
    RESULTS.append(
        dict(
            table=table,
            name=name,
            threads=threads,
            t_ours=t_ours / per,
            t_ref=t_ref / per,
            unit=unit,
            ratio=ratio,
            goal=goal,
            quality=quality,
            reference=reference,
            note=note,
        )
    )
    return ratio


def _fmt(x):
    if isinstance(x, str):
        return x
    if x is None:
        return "–"
    ax = abs(x)
    if ax != 0 and (ax >= 1e6 or ax < 1e-3):
        return f"{x:.6e}"
    return f"{x:.6f}".rstrip("0").rstrip(".") if ax < 1e3 else f"{x:.2f}"


def blas_info():
    """One line on the BLAS and OpenMP libraries in use (threads matter for every figure here)."""
    try:
        from threadpoolctl import threadpool_info

        import numpy  # noqa: F401  (loads the BLAS)
        import sklearn.cluster  # noqa: F401  (loads the OpenMP runtime)

        info = [
            f"{d['internal_api']} {d.get('version') or ''} "
            f"({d.get('architecture') or d.get('prefix')}, default {d['num_threads']} threads)"
            for d in threadpool_info()
        ]
        return "; ".join(info)
    except ImportError:
        return "threadpoolctl not installed: thread settings not controlled"


def machine_info():
    """(label, value) pairs describing the machine and the libraries, for the header and the
    page.
    """
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = []
    for mod in ("numpy", "scipy", "sklearn", "threadpoolctl", "lda", "tomotopy", "torch"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except ImportError:
            versions.append(f"{mod} (not installed)")
        except AttributeError:
            versions.append(f"{mod} (version unknown)")
    env = {
        k: os.environ[k] for k in sorted(os.environ) if k.startswith(("OPENBLAS", "OMP_", "MKL_"))
    }
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return [
        ("machine", f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"),
        ("python", platform.python_version()),
        ("libraries", ", ".join(versions)),
        ("BLAS / OpenMP", blas_info()),
        ("thread environment", ", ".join(f"{k}={v}" for k, v in env.items()) or "none set"),
        ("load average at start", " ".join(f"{x:.2f}" for x in load) if load else "unknown"),
    ]


def header():
    for label, value in machine_info():
        print(f"{label}: {value}")


def table_rows(table):
    """Markdown rows of one table, in the order recorded."""
    rows = [r for r in RESULTS if r["table"] == table]
    if table == "solution":
        head = (
            "| benchmark | threads | ours | reference | ratio | quality | ours | reference "
            "|\n|---|---|---|---|---|---|---|---|"
        )
    else:
        head = (
            "| benchmark | threads | ours | reference | ratio | quality | ours | reference "
            "|\n|---|---|---|---|---|---|---|---|"
        )
    lines = [head]
    for r in rows:
        label, q_ours, q_ref = r["quality"] or ("", None, None)
        goal = ""
        if r["goal"] is not None:
            goal = "" if r["ratio"] <= r["goal"] else f" (goal ≤ {r['goal']:.1f}×)"
        ref = "" if r["reference"] == "scikit-learn" else f" vs {r['reference']}"
        lines.append(
            f"| {r['name']}{ref} | {r['threads'] or 'default'} | {_time(r['t_ours'], r['unit'])} | "
            f"{_time(r['t_ref'], r['unit'])} "
            f"| {r['ratio']:.2f}×{goal} | {label} | {_fmt(q_ours) if label else ''} | "
            f"{_fmt(q_ref) if label else ''} |"
        )
    return "\n".join(lines)


def _time(seconds, unit):
    if unit == "token":
        return f"{1e-6 / seconds:.2f} M tokens/s"
    ms = 1e3 * seconds
    return f"{ms:.1f} ms/{unit}" if ms >= 10 else f"{ms:.2f} ms/{unit}"


def print_tables():
    notes = sorted({r["note"] for r in RESULTS if r["note"]})
    print(
        "\n## Time to solution (both converged at matched tolerances; quality reached next to "
        "the time)\n"
    )
    print(table_rows("solution"))
    print("\n## Per iteration (same start, fixed number of iterations)\n")
    print(table_rows("iteration"))
    if notes:
        print("\nNotes:")
        for n in notes:
            print(f"- {n}")
