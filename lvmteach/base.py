"""The estimator base class shared by every model in the package.

It follows scikit-learn's conventions (without importing scikit-learn), so
that ``sklearn.base.clone``, grid searches and pipelines work with our
models:

* ``__init__`` takes keyword parameters and stores each one unchanged under
  its own name; all checking happens in ``fit``;
* ``fit`` returns ``self``; everything learned from data ends in an
  underscore (``means_``);
* ``BaseEstimator.get_params`` reads the parameter names from ``__init__``'s
  signature and ``BaseEstimator.set_params`` sets them back.

See the chapter "Probabilistic latent variable models", section "The
package".
"""

import inspect

import numpy as np

from .exceptions import NotFittedError

__all__ = ["BaseEstimator", "TransformerMixin", "check_is_fitted"]


class BaseEstimator:
    """Base class: parameter handling and a readable ``repr``.

    Subclasses list every hyperparameter as a keyword argument of
    ``__init__`` and store it unchanged (``self.tol = tol``), never
    validating or transforming it there.
    """

    @classmethod
    def _get_param_names(cls):
        signature = inspect.signature(cls.__init__)
        names = []
        for name, p in signature.parameters.items():
            if name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(
                    f"{cls.__name__}.__init__ must list its parameters "
                    "explicitly "
                    "(no *args or **kwargs), so that get_params can find "
                    "them"
                )
            names.append(name)
        return sorted(names)

    def get_params(self, deep=True):
        """Return the hyperparameters as a dict ``{name: value}``.

        With ``deep=True``, parameters of nested estimators are included as
        ``"<name>__<param>"``, as in scikit-learn.
        """
        params = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if (
                deep
                and hasattr(value, "get_params")
                and not isinstance(value, type)
            ):
                for sub_name, sub_value in value.get_params(
                    deep=True
                ).items():
                    params[f"{name}__{sub_name}"] = sub_value
            params[name] = value
        return params

    def set_params(self, **params):
        """Set hyperparameters by name (``"<name>__<param>"`` reaches nested
        estimators).

        Returns ``self``. An unknown name raises ``ValueError`` listing the
        valid ones.
        """
        valid = self.get_params(deep=True)
        nested = {}
        for key, value in params.items():
            name, _, sub_name = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for "
                    f"{type(self).__name__}; "
                    "valid parameters are "
                    f"{sorted(self._get_param_names())}"
                )
            if sub_name:
                nested.setdefault(name, {})[sub_name] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    #: What the model accepts and how it behaves, for scikit-learn's checks
    #: (which then feed it valid data): ``positive_only``, ``allow_nan``
    #: (NaN means "missing"), ``sparse`` (scipy.sparse input),
    #: ``non_deterministic`` (a Monte Carlo estimate, e.g. a Gibbs
    #: sampler's, whose exact numbers are not the point), ``requires_fit``.
    #: Override :meth:`_declared_tags` when a tag depends on a parameter
    #: (PPCA accepts NaN only with ``method='em'``).
    _declared = {}

    def _declared_tags(self):
        return dict(self._declared)

    def __sklearn_tags__(self):
        """Capability tags for scikit-learn >= 1.6 (pipelines and ``clone``
        ask for them).

        Only scikit-learn calls this, so importing it here adds no run-time
        dependency.
        """
        from sklearn.utils import (
            InputTags,
            Tags,
            TargetTags,
            TransformerTags,
        )

        tags = Tags(
            estimator_type=getattr(self, "_estimator_type", None),
            target_tags=TargetTags(required=False),
            input_tags=InputTags(),
        )
        if hasattr(self, "transform"):
            tags.transformer_tags = TransformerTags()
        for key, value in self._declared_tags().items():
            setattr(
                tags.input_tags if hasattr(tags.input_tags, key) else tags,
                key,
                value,
            )
        return tags

    def __repr__(self):
        defaults = {
            name: p.default
            for name, p in inspect.signature(
                type(self).__init__
            ).parameters.items()
            if name != "self"
        }
        shown = []
        for name in self._get_param_names():
            value = getattr(self, name)
            default = defaults.get(name, inspect.Parameter.empty)
            if _same(value, default):
                continue
            shown.append(f"{name}={_short_repr(value)}")
        return f"{type(self).__name__}({', '.join(shown)})"


class TransformerMixin:
    """``fit_transform(X)`` as ``fit(X).transform(X)``: the two always
    agree, by construction.

    Models that learn a representation of the training data as a by-product
    (the last E-step's responsibilities, NMF's W) could return it instead,
    but it was computed before the last parameter update, so it would differ
    from ``transform`` on the same data.
    """

    def fit_transform(self, X, y=None):
        """Fit the model to ``X`` and return ``transform(X)``."""
        return self.fit(X).transform(X)


def _same(value, default):
    if value is default:
        return True
    if isinstance(value, np.ndarray) or isinstance(default, np.ndarray):
        return False
    try:
        return bool(value == default) and type(value) is type(default)
    except Exception:  # comparisons of exotic objects
        return False


def _short_repr(value):
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape})"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_is_fitted(estimator, attributes):
    """Raise ``NotFittedError`` unless all ``attributes`` exist."""
    if isinstance(attributes, str):
        attributes = [attributes]
    missing = [a for a in attributes if not hasattr(estimator, a)]
    if missing:
        raise NotFittedError(
            f"this {type(estimator).__name__} is not fitted yet (no "
            f"{', '.join(missing)}); "
            "call fit(X) first"
        )
