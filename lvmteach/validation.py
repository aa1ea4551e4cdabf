"""Input validation with error messages that say what was wrong and what to
do.

Every ``fit``, ``transform`` and ``score`` in the package passes its data
through ``check_array`` first, so that bad input fails loudly with a
``ValueError`` instead of turning into a silent NaN twenty lines later.
"""

import numbers

import numpy as np

from .exceptions import DataTypeError

__all__ = [
    "check_array",
    "check_binary",
    "check_count_matrix",
    "check_n_features",
    "check_nonnegative",
    "check_positive_int",
    "check_positive_scalar",
    "check_random_state",
    "check_scale",
    "check_in",
    "check_option",
]


def check_array(
    X,
    *,
    name="X",
    allow_nan=False,
    ensure_2d=True,
    min_samples=1,
    min_features=1,
    nan_hint=None,
):
    """Return ``X`` as a float64 array after checking its shape and values.

    Parameters
    ----------
    X : array-like of shape (N, D)
        Data, one row per sample (``N`` samples, ``D`` features; see the
        notation page).
    name : str
        How to call the argument in error messages.
    allow_nan : bool
        Allow NaN, meaning "missing" (only models that handle missing data
        pass True). Infinity is never allowed.
    nan_hint : str, optional
        What to do about NaN, for the error message (by default: impute
        them or drop those rows).
    ensure_2d : bool
        Require a 2-D array. A 1-D array is rejected with a hint to reshape
        it.
    min_samples, min_features : int
        Smallest acceptable number of rows and columns.

    Raises
    ------
    ValueError
        For a wrong number of dimensions, too few samples or features, NaN
        (unless ``allow_nan``), infinity, or values that are not numbers.
    """
    X = _as_float_array(X, name)
    if ensure_2d:
        if X.ndim == 1:
            raise ValueError(
                f"{name} must be 2-D of shape (n_samples, n_features), got "
                "a 1-D array of shape "
                f"{X.shape}. Reshape your data: X.reshape(-1, 1) for a "
                "single feature or "
                "X.reshape(1, -1) for a single sample"
            )
        if X.ndim != 2:
            raise ValueError(
                f"{name} must be 2-D of shape (n_samples, n_features), got "
                f"{X.ndim} dimensions "
                f"with shape {X.shape}"
            )
        if X.shape[0] < min_samples:
            raise ValueError(
                f"{name} has {X.shape[0]} sample(s) but at least "
                f"{min_samples} are needed; "
                "pass more samples or use a smaller model"
            )
        if X.shape[1] < min_features:
            raise ValueError(
                f"{name} has {X.shape[1]} feature(s) (shape={X.shape}) "
                "while a minimum of "
                f"{min_features} is required; pass data with at least "
                f"{min_features} column(s)"
            )
    if not np.isfinite(X.sum()):  # a finite sum has no NaN or inf in it
        _check_finite(X, name, allow_nan, nan_hint)
    return X


def _check_finite(X, name, allow_nan, nan_hint=None):
    """Refuse infinity, and NaN unless ``allow_nan`` (an elementwise pass).

    ``check_array`` calls it only when X's sum is not finite: one
    reduction with no temporary instead of two boolean arrays of X's
    size; a sum that overflowed comes here and passes.
    """
    if np.isinf(X).any():
        raise ValueError(
            f"{name} contains infinity; remove or clip those entries first"
        )
    if not allow_nan and np.isnan(X).any():
        n_bad = int(np.isnan(X).sum())
        if nan_hint is None:
            nan_hint = (
                "this model does not handle missing data. Impute them "
                "first (see the chapter on imputation) or drop those rows"
            )
        raise ValueError(
            f"{name} contains {n_bad} NaN value(s); {nan_hint}"
        )


def _as_float_array(X, name):
    """Convert ``X`` to float64, refusing what a silent conversion would get
    wrong.

    ``np.asarray(X, dtype=float)`` alone would drop the imaginary part of
    complex numbers (with only a warning), parse numeric strings such as
    ``"3"`` as numbers, and turn a ``scipy.sparse`` matrix into a 0-d object
    array ("setting an array element with a sequence"). Each of these is
    refused here with a message that says what to do.
    """
    # scipy.sparse, without importing scipy
    if hasattr(X, "tocsr") and hasattr(X, "nnz"):
        raise ValueError(
            f"{name} is a scipy.sparse matrix, but this model needs dense "
            "input (sparse input "
            "is not supported); convert it with X.toarray()"
        )
    if not isinstance(X, np.ndarray):
        X = np.asarray(X)
    if X.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} has dtype {X.dtype}; pass "
            "X.real or np.abs(X) "
            "explicitly if that is what you mean"
        )
    if X.dtype.kind in "USV" or (
        X.dtype.kind == "O"
        and any(isinstance(v, (str, bytes)) for v in X.flat)
    ):
        raise ValueError(
            f"{name} must be an array of numbers but contains strings "
            f"(dtype {X.dtype}). If they are "
            "numbers, convert them explicitly, e.g. np.asarray(X, "
            "dtype=float)"
        )
    if X.dtype.kind == "O":
        bad = [
            v
            for v in X.flat
            if not isinstance(v, (numbers.Real, np.number))
        ]
        if bad:
            if isinstance(bad[0], numbers.Complex):
                raise ValueError(
                    f"Complex data not supported: {name} contains "
                    f"{bad[0]!r}"
                )
            raise DataTypeError(
                f"{name} must be an array of numbers; float() argument "
                "must be a string or a real "
                f"number, not {type(bad[0]).__name__!r} (found {bad[0]!r})"
            )
    try:
        return np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataTypeError(
            f"{name} must be an array of numbers; converting it failed "
            "(argument must be a "
            f"string or a number): {exc}"
        ) from None


def check_scale(X, *, name="X"):
    """Raise unless the sum of squares of ``X`` is a normal float64 with all
    its digits.

    Models whose objective is a sum of squares (NMF, sparse coding) cannot
    represent it when the entries reach ~1e150 (the squares overflow to
    infinity, then inf − inf = NaN) or when every non-zero entry is below
    ~1e-146 (the squares underflow and lose their digits). The models are
    equivariant to rescaling, so the fix is to rescale the data.
    """
    big = float(np.max(np.abs(X))) if X.size else 0.0
    if big == 0.0:
        return X
    info = np.finfo(np.float64)
    # in logs: the squares themselves may overflow
    log_sq = 2.0 * np.log(big)
    if log_sq + np.log(X.size) > np.log(info.max / 1e4) or log_sq < np.log(
        info.tiny / info.eps
    ):
        raise ValueError(
            f"{name} has entries up to {big:.3g} in magnitude; the squared "
            "loss of such data "
            "cannot be represented in float64. Rescale it, e.g. X / "
            "np.abs(X).max()"
        )
    return X


def check_n_features(X, n_features, *, name="X"):
    """Raise unless ``X`` has the number of columns the model was fitted
    with.
    """
    if X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but it is expecting "
            f"{n_features} features as input "
            f"(the model was fitted with {n_features}); pass data with the "
            "same columns as in fit"
        )
    return X


def check_nonnegative(X, *, name="X"):
    """Raise unless every entry of ``X`` is >= 0 (NaN entries are
    ignored).
    """
    if np.nanmin(X) < 0 if X.size else False:
        raise ValueError(
            f"Negative values in data passed to this model: {name} has "
            "negative entries (smallest "
            f"{np.nanmin(X):.4g}); it needs non-negative data such as "
            "counts or intensities"
        )
    return X


def check_binary(X, *, name="X", allow_probabilities=False):
    """Raise unless every entry of ``X`` is 0 or 1 (or in [0, 1] with
    ``allow_probabilities``).
    """
    if allow_probabilities:
        if X.size and (X.min() < 0 or X.max() > 1):
            raise ValueError(
                f"{name} must lie in [0, 1] (binary data or "
                "probabilities); got values from "
                f"{X.min():.4g} to {X.max():.4g}; rescale, e.g. X / X.max()"
            )
    elif not np.isin(X, (0.0, 1.0)).all():
        bad = X[~np.isin(X, (0.0, 1.0))]
        raise ValueError(
            f"{name} must be binary (only 0 and 1) for this model; found "
            f"{bad.size} other "
            f"value(s), e.g. {bad.flat[0]:.4g}. Binarise it first, e.g. (X "
            "> threshold).astype(float)"
        )
    return X


def check_count_matrix(X, *, name="X"):
    """Return a document-term count matrix (dense float64 or
    ``scipy.sparse`` CSR) after checks.

    Counts must be finite, non-negative integers.
    """
    import scipy.sparse as sp

    if sp.issparse(X):
        if X.dtype.kind not in "biuf":
            raise ValueError(
                f"{name} must hold numbers (counts), got a sparse "
                f"matrix of dtype {X.dtype}"
            )
        X = sp.csr_matrix(X, dtype=np.float64)
        values = X.data
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D (documents x words)")
    else:
        X = check_array(X, name=name, min_features=0)
        values = X.ravel()
    if X.shape[1] == 0:
        raise ValueError(
            f"{name} has an empty vocabulary: 0 feature(s) "
            f"(shape={X.shape}) while a minimum of 1 is "
            "required; pass at least one word column"
        )
    if not np.isfinite(values).all():
        raise ValueError(
            f"{name} contains NaN or infinity; counts must be finite"
        )
    if values.size and values.min() < 0:
        raise ValueError(
            f"Negative values in data: {name} contains negative counts "
            f"(smallest {values.min():.4g}); "
            "counts must be >= 0"
        )
    if not np.array_equal(values, np.round(values)):
        raise ValueError(
            f"{name} contains non-integer counts; pass word counts, "
            "not frequencies"
        )
    return X


def check_positive_int(value, name, *, minimum=1):
    """Return ``value`` as an int after checking it is an integer >=
    ``minimum``.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
    ):
        raise ValueError(
            f"{name} must be an integer >= {minimum}, got {value!r}"
        )
    return int(value)


def check_positive_scalar(value, name, *, strict=True, allow_zero=False):
    """Return ``value`` as a float after checking it is a finite number > 0
    (or >= 0).
    """
    ok = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and np.isfinite(value)
    )
    if ok:
        ok = value >= 0 if allow_zero or not strict else value > 0
    if not ok:
        bound = ">= 0" if allow_zero or not strict else "> 0"
        raise ValueError(
            f"{name} must be a finite number {bound}, got {value!r}"
        )
    return float(value)


def check_in(value, name, options):
    """Raise unless ``value`` is one of ``options``."""
    if isinstance(value, str) or not isinstance(value, np.ndarray):
        try:
            if value in options:
                return value
        except TypeError:  # unhashable value looked up in a dict or set
            pass
    raise ValueError(
        f"{name} must be one of {list(options)}, got {value!r}"
    )


def check_option(value, name, options):
    """Return ``options[value]`` for a dict of named choices
    (``activation="tanh"`` -> a class).

    Unknown names raise ``ValueError("activation must be one of [...], got
    'banana'")`` instead of a bare ``KeyError``, or a silent fallback to
    some default.
    """
    return options[check_in(value, name, options)]


def check_random_state(random_state):
    """Turn ``None``, an int or a ``numpy.random.Generator`` into a
    ``Generator``.

    The whole package draws random numbers only from a Generator passed
    around as ``rng``; nothing touches numpy's global random state. An int
    gives a reproducible stream.
    """
    if isinstance(
        random_state, (numbers.Integral, np.integer)
    ) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(
                "random_state must be None, an int >= 0 or a "
                f"numpy.random.Generator, got {random_state!r}"
            )
        return np.random.default_rng(random_state)
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        # Accept scikit-learn style legacy generators by seeding a new
        # Generator from them.
        return np.random.default_rng(
            random_state.randint(np.iinfo(np.int32).max)
        )
    raise ValueError(
        "random_state must be None, an int or a numpy.random.Generator, "
        f"got {random_state!r}"
    )
