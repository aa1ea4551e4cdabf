"""lvmteach: latent variable models from scratch in NumPy, the package
behind the textbook.

Each module mirrors a chapter of the book (``lvmteach.mixture`` <->
book/mixtures, ...); docstrings cite the chapter and equation that derive
the code.
"""

__version__ = "0.1.0"
