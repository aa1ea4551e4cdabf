"""Warnings and errors raised by lvmteach.

These are deliberately few: a fit that stops before its tolerance is met
warns with ``ConvergenceWarning``; an EM or VI run checked for monotonicity
raises ``ObjectiveDecreasedError`` (see
``lvmteach.em.strict_monotonicity``); gradient training whose loss becomes
NaN raises ``TrainingDivergedError``.
"""


class ConvergenceWarning(UserWarning):
    """An iterative fit reached ``max_iter`` before the change in its
    objective fell below ``tol``.

    What to do: increase ``max_iter``, loosen ``tol``, or rescale the data.
    """


class ObjectiveDecreasedError(ArithmeticError):
    """EM or coordinate ascent decreased its objective, which the theory
    forbids.

    The EM chapter proves that each EM iteration never decreases the
    log-likelihood (and each CAVI update never decreases the ELBO); a
    decrease beyond round-off means an E- or M-step is wrong. Raised only in
    checking mode (``lvmteach.em.strict_monotonicity``).
    """


class NotFittedError(AttributeError, ValueError):
    """A method that needs fitted parameters was called before ``fit``."""


class TrainingDivergedError(FloatingPointError, ValueError):
    """Gradient-based training produced a non-finite loss (NaN or infinity).

    Raised instead of returning NaN parameters. What to do: lower
    ``learning_rate``, standardise the data, or use smaller initial weights.
    """


class DataTypeError(TypeError, ValueError):
    """The data are not numbers (a dict, a list of lists of mixed lengths,
    ...).

    A ``ValueError`` like every other bad input in the package, and also a
    ``TypeError``, which is what NumPy and scikit-learn raise for entries
    that cannot become a float.
    """
