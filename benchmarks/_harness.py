"""Alternating timing of two implementations; the median ratio is what we report."""

import os
import time
import warnings

import numpy as np


def time_pair(ours, reference, *, repeats=5, warmup=1):
    """Time ``ours()`` and ``reference()`` alternately; return (median_ours_s, median_ref_s)."""
    for _ in range(warmup):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours()
            reference()
    t_ours, t_ref = [], []
    for i in range(repeats):
        pair = [(ours, t_ours), (reference, t_ref)]
        if i % 2:  # alternate which goes first
            pair.reverse()
        for fn, out in pair:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                fn()
                out.append(time.perf_counter() - start)
    return float(np.median(t_ours)), float(np.median(t_ref))


def report(name, t_ours, t_ref, *, per=1, unit="iteration", goal=None):
    """Print one line: per-unit times and the ratio (with the goal, if any)."""
    ratio = t_ours / t_ref
    verdict = ""
    if goal is not None:
        verdict = f"  goal <= {goal:.2f}x: {'met' if ratio <= goal else 'NOT met'}"
    print(
        f"{name:<55s} ours {1e3 * t_ours / per:9.2f} ms/{unit}   reference {1e3 * t_ref / per:9.2f} ms/{unit}"
        f"   ratio {ratio:5.2f}x{verdict}",
        flush=True,
    )
    return ratio


def blas_info():
    """One line on the BLAS in use (threads matter for every figure here)."""
    try:
        from threadpoolctl import threadpool_info

        info = [f"{d['internal_api']} {d.get('version')} {d['num_threads']} threads ({d.get('architecture')})" for d in threadpool_info()]
        return "; ".join(info)
    except ImportError:
        return "threadpoolctl not installed"


def header():
    print(f"cores: {os.cpu_count()}   BLAS: {blas_info()}")
