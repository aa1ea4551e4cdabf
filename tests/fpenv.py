"""Other floating-point environments on this machine, for checking that stored outputs are portable.

``python tests/fpenv.py N`` prints ``NAME=value`` assignments (for ``env``) that make this machine
compute like another one:

1. NumPy's highest SIMD dispatch targets switched off (AVX-512 here) and OpenBLAS's Haswell
   (AVX2) kernels: how a 2-core AMD EPYC without AVX-512 computes.
2. NumPy on its baseline SIMD only and OpenBLAS's Sandybridge (AVX, no FMA) kernels: an older
   CPU, other summation orders and no fused multiply-adds.

On a machine without AVX-512 the first still changes the BLAS kernel and the second both.
``python tests/fpenv.py`` without an argument prints how many environments there are.
The Makefile runs nbval once under each (``make nbval-fpenv``); the variables only apply to that
command, so an ``OPENBLAS_CORETYPE`` the machine sets for itself is left as it was elsewhere.
"""

import sys

# NumPy's dispatch groups, highest first (NumPy 2.x names). Disabling a target the CPU does not
# have is harmless; disabling the baseline is an error, so the baseline is never listed.
DISPATCH_HIGH = ["AVX512_SPR", "AVX512_ICL", "X86_V4"]
DISPATCH_ALL = DISPATCH_HIGH + ["X86_V3"]

ENVIRONMENTS = [
    {"NPY_DISABLE_CPU_FEATURES": DISPATCH_HIGH, "OPENBLAS_CORETYPE": "Haswell"},
    {"NPY_DISABLE_CPU_FEATURES": DISPATCH_ALL, "OPENBLAS_CORETYPE": "Sandybridge"},
]


def dispatch_targets():
    """The SIMD targets this NumPy build can dispatch to (empty if it cannot tell)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__
    except ImportError:  # pragma: no cover - older NumPy layouts
        return set()
    return set(__cpu_dispatch__)


def assignments(n):
    env = ENVIRONMENTS[n - 1]
    known = dispatch_targets()
    features = [f for f in env["NPY_DISABLE_CPU_FEATURES"] if not known or f in known]
    out = [f"OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']}"]
    if features:
        out.append("NPY_DISABLE_CPU_FEATURES=" + ",".join(features))
    return out


if __name__ == "__main__":
    if len(sys.argv) == 1:
        print(len(ENVIRONMENTS))
    else:
        print(" ".join(assignments(int(sys.argv[1]))))
