"""The engine behind every exercise check: run cases, compare, explain, never reveal."""

import traceback

import numpy as np

__all__ = ["CheckResult", "compare_outputs", "run_cases"]


class CheckResult:
    """Outcome of a check: truthy if every case passed; ``message`` says what went wrong."""

    def __init__(self, passed, message):
        self.passed = passed
        self.message = message

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return f"CheckResult(passed={self.passed})"


def compare_outputs(got, expected, *, rtol=1e-7, atol=1e-9, name="output", up_to_sign_columns=False):
    """Return ``None`` if ``got`` matches ``expected``, else a sentence describing the mismatch.

    Compares tuples element by element, arrays by shape then value. The sentence names the
    first offending index and the size of the error, but never the expected value.
    """
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            n = len(got) if isinstance(got, (tuple, list)) else "a single value"
            return f"{name} should be a tuple of {len(expected)} items; got {n}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = compare_outputs(g, e, rtol=rtol, atol=atol, name=f"{name}[{i}]", up_to_sign_columns=up_to_sign_columns)
            if problem:
                return problem
        return None
    expected = np.asarray(expected, dtype=float)
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"{name} should be an array of numbers; got {type(got).__name__}"
    if got.shape != expected.shape:
        return f"{name} has shape {got.shape}, but should have shape {expected.shape}"
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        bad = np.argwhere(~np.isfinite(got))[0]
        return f"{name} contains NaN or infinity (first at index {tuple(bad.tolist())}); work in the log domain?"
    if up_to_sign_columns and got.ndim == 2:
        signs = np.sign(np.sum(got * expected, axis=0))
        signs[signs == 0] = 1
        got = got * signs
    close = np.isclose(got, expected, rtol=rtol, atol=atol)
    if close.all():
        return None
    idx = tuple(np.argwhere(~close)[0].tolist())
    err = np.max(np.abs(got - expected))
    return (
        f"{name} is wrong at {int((~close).sum())} of {close.size} entries (first at index {idx}); "
        f"largest absolute error {err:.3g}"
    )


def run_cases(student_fn, reference_fn, cases, *, title, hint=None, verbose=True, **compare_kwargs):
    """Call ``student_fn(**case)`` and ``reference_fn(**case)`` on every case and compare.

    ``cases`` is a list of ``(description, kwargs)``. Inputs are copied for each call, so a
    function that modifies its arguments in place cannot corrupt the reference. Prints one
    line on success, or the first failing case with what is wrong (and ``hint``), and
    returns a ``CheckResult``.
    """
    for i, (description, kwargs) in enumerate(cases, start=1):
        expected = reference_fn(**_copy(kwargs))
        try:
            got = student_fn(**_copy(kwargs))
        except NotImplementedError:
            return _report(False, f"{title}: not implemented yet (the stub raises NotImplementedError).", verbose)
        except Exception as exc:  # a student's bug: show their traceback, not ours
            tb = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            return _report(False, f"{title}: case {i} of {len(cases)} ({description}) raised {tb}", verbose)
        problem = compare_outputs(got, expected, **compare_kwargs)
        if problem:
            msg = f"{title}: case {i} of {len(cases)} ({description}): {problem}."
            if hint:
                msg += f"\nHint: {hint}"
            return _report(False, msg, verbose)
    return _report(True, f"{title}: all {len(cases)} cases pass.", verbose)


def _copy(kwargs):
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}


def _report(passed, message, verbose):
    if verbose:
        print(message)
    return CheckResult(passed, message)
