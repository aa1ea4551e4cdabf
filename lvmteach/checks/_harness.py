"""The engine behind every exercise check: run cases, compare, explain,
never reveal.

Conventions shared by every ``check_*`` function:

* the student's function is called **positionally**, in the order of the
  signature the exercise states, so any argument names work; a function
  taking the wrong number of arguments is reported before any case runs;
* every message starts with ``check_<name>:`` and every check takes
  ``verbose=`` (print the message or not) and returns a ``CheckResult``;
* an exception raised inside the student's code is shown with the student's
  own traceback (file and line), and left in ``sys.last_traceback`` so
  ``%debug`` in the next cell reaches it;
* ``None``, a wrong dtype, a wrong shape and wrong values each get their own
  sentence, and the tolerance the values are compared at is stated.
"""

import inspect
import sys
import traceback

import numpy as np

__all__ = ["CheckResult", "compare_outputs", "run_cases"]


class CheckResult:
    """Outcome of a check: truthy if every case passed; ``message`` says
    what went wrong.
    """

    def __init__(self, passed, message):
        self.passed = passed
        self.message = message

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return f"CheckResult(passed={self.passed})"


def _tolerance(rtol, atol):
    return (
        f"values are compared in float64 with rtol={rtol:g}, atol={atol:g}"
    )


def compare_outputs(
    got,
    expected,
    *,
    rtol=1e-7,
    atol=1e-9,
    name="output",
    up_to_sign_columns=False,
):
    """Return ``None`` if ``got`` matches ``expected``, else a sentence
    describing the mismatch.

    Compares tuples element by element, arrays by shape then value. The
    sentence names the first offending index and the size of the error, but
    never the expected value.
    """
    if got is None:
        return (
            f"{name} is None: your function returns nothing (a "
            "missing `return`?)"
        )
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            n = (
                f"{len(got)} items"
                if isinstance(got, (tuple, list))
                else "a single value"
            )
            return (
                f"{name} should be a tuple of {len(expected)} items; "
                f"got {n}"
            )
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = compare_outputs(
                g,
                e,
                rtol=rtol,
                atol=atol,
                name=f"{name}[{i}]",
                up_to_sign_columns=up_to_sign_columns,
            )
            if problem:
                return problem
        return None
    expected = np.asarray(expected, dtype=float)
    dtype = getattr(got, "dtype", None)
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return (
            f"{name} should be an array of numbers; got "
            f"{type(got).__name__}"
        )
    if got.shape != expected.shape:
        return (
            f"{name} has shape {got.shape}, but should have shape "
            f"{expected.shape}"
        )
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        bad = np.argwhere(~np.isfinite(got))[0] if got.ndim else ()
        return (
            f"{name} contains NaN or infinity (first at index "
            f"{tuple(np.ravel(bad).tolist())}): an overflow, "
            "a log of 0 or a 0/0 somewhere (log domain? gammaln? a zero "
            "count?)"
        )
    if up_to_sign_columns and got.ndim == 2:
        signs = np.sign(np.sum(got * expected, axis=0))
        signs[signs == 0] = 1
        got = got * signs
    same_inf = (got == expected) & ~np.isfinite(expected)
    with np.errstate(invalid="ignore"):
        close = np.isclose(got, expected, rtol=rtol, atol=atol) | same_inf
    if close.all():
        return None
    if (
        dtype is not None
        and np.issubdtype(dtype, np.floating)
        and np.finfo(dtype).bits < 64
    ):
        return (
            f"{name} has dtype {dtype}, too coarse for this check "
            f"({_tolerance(rtol, atol)}); "
            "compute in float64"
        )
    idx = tuple(np.argwhere(~close)[0].tolist()) if got.ndim else ()
    with np.errstate(invalid="ignore"):
        err = np.nanmax(np.where(close, 0.0, np.abs(got - expected)))
    return (
        f"{name} is wrong at {int((~close).sum())} of {close.size} entries "
        f"(first at index {idx}); "
        f"largest absolute error {err:.3g} ({_tolerance(rtol, atol)})"
    )


class _RowLoopDetector(np.ndarray):
    """An array that notes when code iterates over its rows or indexes a
    single row.

    Vectorised code (broadcasting, matrix products, reductions) never does
    either.
    """

    flag = None

    def __array_finalize__(self, obj):
        self.flag = getattr(obj, "flag", None)

    def _note(self):
        if self.flag is not None:
            self.flag[0] = True

    def __iter__(self):
        self._note()
        return super().__iter__()

    def __getitem__(self, key):
        first = key[0] if isinstance(key, tuple) and key else key
        if isinstance(first, (int, np.integer)) and self.ndim >= 2:
            self._note()
        return super().__getitem__(key)


def run_cases(
    student_fn,
    reference_fn,
    cases,
    *,
    title,
    hint=None,
    verbose=True,
    no_mutation=False,
    no_row_loop=None,
    diagnose=None,
    **compare_kwargs,
):
    """Call ``student_fn(*case.values())`` and ``reference_fn(**case)`` on
    every case and compare.

    ``cases`` is a list of ``(description, kwargs)``, the kwargs in the
    order of the signature the exercise states. Each call gets fresh copies
    of the inputs. With ``no_mutation`` a function that modifies an argument
    in place fails; ``no_row_loop`` names an argument whose rows must not be
    looped over in Python. ``diagnose(got, expected, kwargs)`` may return a
    sentence naming a typical mistake. Prints one line on success, or the
    first failing case with what is wrong (and ``hint``), and returns a
    ``CheckResult``.
    """
    prefix = title if title.startswith("check_") else f"check_{title}"
    names = list(cases[0][1]) if cases else []
    by_keyword, problem = _signature_problem(student_fn, names)
    if problem:
        return _report(False, f"{prefix}: {problem}", verbose)
    for i, (description, kwargs) in enumerate(cases, start=1):
        where = f"{prefix}: case {i} of {len(cases)} ({description})"
        expected = reference_fn(**_copy(kwargs))
        args = _copy(kwargs)
        flag = [False]
        if no_row_loop and isinstance(args[no_row_loop], np.ndarray):
            args[no_row_loop] = args[no_row_loop].view(_RowLoopDetector)
            args[no_row_loop].flag = flag
        try:
            got = (
                student_fn(**args)
                if by_keyword
                else student_fn(*args.values())
            )
        except NotImplementedError:
            return _report(
                False,
                f"{prefix}: not implemented yet\n"
                "(the stub raises NotImplementedError).",
                verbose,
            )
        # a student's bug: show their traceback, not ours
        except Exception as exc:
            return _report(
                False,
                f"{where}: your function raised an "
                f"exception.\n{_student_traceback(exc)}",
                verbose,
            )
        if isinstance(got, _RowLoopDetector):
            got = got.view(np.ndarray)
        elif isinstance(got, tuple):
            got = tuple(
                g.view(np.ndarray) if isinstance(g, _RowLoopDetector) else g
                for g in got
            )
        if no_mutation:
            for name, value in kwargs.items():
                new = args[name]
                if isinstance(value, np.ndarray) and not np.array_equal(
                    np.asarray(new), value, equal_nan=True
                ):
                    return _report(
                        False,
                        f"{where}: your function modified its argument "
                        f"`{name}` in place; the exercise "
                        "asks for a new array (work on a copy, e.g. "
                        f"`{name} = {name}.copy()`).",
                        verbose,
                    )
        if flag[0]:
            return _report(
                False,
                f"{where}: your function loops over the rows of "
                f"`{no_row_loop}` in Python (`for x in "
                f"{no_row_loop}` or `{no_row_loop}[n]`); the exercise asks "
                "for a vectorised computation "
                "(broadcasting or matrix products).",
                verbose,
            )
        problem = compare_outputs(got, expected, **compare_kwargs)
        if problem:
            msg = f"{where}: {problem}."
            special = diagnose(got, expected, kwargs) if diagnose else None
            if special:
                msg += f"\n{special}"
            elif hint:
                msg += f"\nHint: {hint}"
            return _report(False, msg, verbose)
    return _report(True, f"{prefix}: all {len(cases)} cases pass.", verbose)


def _signature_problem(fn, names):
    """``(by_keyword, sentence)``: how to call ``fn``, or why it cannot take
    these arguments.

    Positional calls unless ``fn`` takes only keywords
    (``def f(**kwargs)``).
    """
    if not callable(fn):
        return False, f"expected a function, got {type(fn).__name__}"
    try:
        signature = inspect.signature(fn)
    # builtins without a signature: just try the call
    except (TypeError, ValueError):
        return False, None
    try:
        signature.bind(*names)
        return False, None
    except TypeError:
        pass
    try:
        signature.bind(**dict.fromkeys(names))
        return True, None
    except TypeError:
        return False, (
            f"your function must take {len(names)} arguments, in this "
            f"order: ({', '.join(names)}) "
            f"(any names will do); yours takes {signature}"
        )


def _student_traceback(exc):
    """The traceback from the student's frames on (the check's own frame
    dropped).
    """
    tb = exc.__traceback__
    if tb is not None and tb.tb_frame.f_code is run_cases.__code__:
        tb = tb.tb_next
    sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, tb
    if hasattr(sys, "last_exc"):
        sys.last_exc = exc
    text = "".join(traceback.format_exception(type(exc), exc, tb)).rstrip()
    return (
        text + "\n(Run %debug in the next cell to inspect the variables "
        "where it failed.)"
    )


def _copy(kwargs):
    return {
        k: (v.copy() if isinstance(v, np.ndarray) else v)
        for k, v in kwargs.items()
    }


# the most recent check's result, read by ``python -m lvmteach.grade``
LAST_RESULT = None


def _report(passed, message, verbose):
    global LAST_RESULT
    LAST_RESULT = CheckResult(passed, message)
    if verbose:
        print(message)
    return LAST_RESULT
