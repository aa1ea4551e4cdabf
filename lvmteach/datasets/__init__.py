"""Small real data sets shipped with the package (no downloads at run time).

Each loader returns a ``Dataset`` (attribute access to ``data``, ``target``,
``feature_names``, ``DESCR`` ...). Sources and licences are in ``DESCR`` and
in ``lvmteach/datasets/data/README.md``.
"""

import gzip
from importlib import resources

import numpy as np

__all__ = [
    "Dataset",
    "load_digits",
    "load_old_faithful",
    "load_nile",
    "load_wine",
    "load_grace_hopper",
    "load_state_of_the_union",
    "ENGLISH_STOP_WORDS",
    "make_bars",
    "bars_topics",
    "tokenize",
    "document_term_matrix",
    "make_moons",
    "moons_log_density",
    "energy",
    "ENERGY_NAMES",
]


class Dataset(dict):
    """A dict whose keys are also attributes (like scikit-learn's
    ``Bunch``).
    """

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __dir__(self):
        return list(self.keys())


def _data_path(name):
    return resources.files(__name__).joinpath("data", name)


OLD_FAITHFUL_DESCR = """\
Old Faithful geyser data (272 eruptions, 2 features)

eruptions : duration of the eruption, in minutes
waiting   : waiting time to this eruption, in minutes

Source: A. Azzalini and A. W. Bowman (1990), "A look at some data on the Old
Faithful geyser", Applied Statistics 39, 357-365; as distributed in R's
`datasets::faithful` (from W. Härdle, Smoothing Techniques with
Implementation in S, 1991).
Licence: these are measurements (facts) published in a scientific paper and
distributed with R for decades; redistributed here for teaching.
"""

DIGITS_DESCR = """\
Handwritten digits (1797 images of 8x8 pixels, values 0..16)

The test set of the UCI "Optical Recognition of Handwritten Digits" data
set, by E. Alpaydin and C. Kaynak (1998). Bitmaps of 32x32 pixels were
divided into 4x4 blocks and the "on" pixels of each block counted, giving
8x8 images with integer values 0..16.
Source: UCI Machine Learning Repository, https://doi.org/10.24432/C50P49,
licence CC BY 4.0; the file is the copy shipped with scikit-learn
(BSD-3-Clause).
"""


WINE_DESCR = """\
Wine recognition data (178 wines, 3 cultivars, 13 chemical measurements)

Results of a chemical analysis of wines grown in the same region in Italy by
three different cultivators (Forina et al.). Features: alcohol, malic acid,
ash, alcalinity of ash, magnesium, total phenols, flavanoids, nonflavanoid
phenols, proanthocyanins, colour intensity, hue, OD280/OD315 of diluted
wines, proline. The features have very different scales (proline is in the
hundreds, hue near 1): standardise before PCA.
Source: UCI Machine Learning Repository, "Wine",
https://doi.org/10.24432/C5PC7J, licence CC BY 4.0; the copy shipped with
scikit-learn (BSD-3-Clause).
"""


def load_wine():
    """Load the UCI wine data: ``data`` (178, 13), ``target`` (178,)
    cultivar 0..2.
    """
    with _data_path("wine.csv").open("r") as f:
        header = f.readline().strip().split(",")
        table = np.loadtxt(f, delimiter=",", dtype=np.float64)
    return Dataset(
        data=table[:, :-1],
        target=table[:, -1].astype(int),
        feature_names=header[:-1],
        target_names=np.array(["cultivar_0", "cultivar_1", "cultivar_2"]),
        DESCR=WINE_DESCR,
    )


GRACE_HOPPER_DESCR = """\
Grace M. Hopper, official U.S. Navy portrait (1984), grey, 128x128 pixels

Converted to grey (luminance 0.299 R + 0.587 G + 0.114 B), cropped to the
top 512x512 pixels and averaged over 4x4 blocks; stored as 8-bit integers,
returned as floats in [0, 1].
Source: U.S. Navy photograph (James S. Davis), as shipped in Matplotlib's
sample data (grace_hopper.jpg). Licence: public domain, a work of the
U.S. federal government (17 U.S.C. § 105).
"""


def load_grace_hopper():
    """Load a 128x128 greyscale photograph: ``image`` (128, 128) floats in
    [0, 1].

    A natural image for the sparse-coding chapter: dictionary learning on
    its 8x8 patches.
    """
    with _data_path("grace_hopper.npz").open("rb") as f:
        image = np.load(f)["image"].astype(np.float64) / 255.0
    return Dataset(image=image, DESCR=GRACE_HOPPER_DESCR)


def load_old_faithful():
    """Load the Old Faithful eruptions: ``data`` of shape (272, 2), in
    minutes.

    Columns are ``eruptions`` (duration) and ``waiting`` (time since the
    previous eruption). Used throughout the mixture and EM chapters; see
    ``DESCR`` for the source.
    """
    with _data_path("old_faithful.csv").open("r") as f:
        header = f.readline().strip().split(",")
        data = np.loadtxt(f, delimiter=",", dtype=np.float64)
    return Dataset(
        data=data, feature_names=header, DESCR=OLD_FAITHFUL_DESCR
    )


NILE_DESCR = """\
Annual flow of the river Nile at Aswan, 1871-1970 (100 years)

year   : the year
volume : the annual discharge at Aswan, in 10^8 m^3

The classic series for the local-level model (Durbin & Koopman, Time Series
Analysis by State Space Methods, 2nd ed. 2012, ch. 2): the level drops
around 1899, when the first Aswan dam was built. Source: G. W. Cobb (1978),
"The problem of the Nile: conditional solution to a changepoint problem",
Biometrika 65, 243-251; the numbers as shipped in R's `datasets::Nile` and
in statsmodels (`statsmodels.datasets.nile`, whose notes say "This is
public domain").
Licence: public domain.
"""


def load_nile():
    """Load the Nile's annual flow at Aswan 1871-1970: ``data`` (100, 1) in
    10^8 m^3, ``year`` (100,).

    The series of the local-level model in the chapter "Latent variable
    models for sequences".
    """
    with _data_path("nile.csv").open("r") as f:
        header = f.readline().strip().split(",")
        table = np.loadtxt(f, delimiter=",", dtype=np.float64)
    return Dataset(
        data=table[:, 1:],
        year=table[:, 0].astype(int),
        feature_names=header[1:],
        DESCR=NILE_DESCR,
    )


def load_digits(*, binarize=False, threshold=8):
    """Load the 1797 8x8 handwritten digits.

    Parameters
    ----------
    binarize : bool
        If True, ``data`` holds 0/1 pixels: 1 where the count is
        ``>= threshold``. This is the binary version used by the Bernoulli
        mixture and the RBM.
    threshold : int
        Cut-off for ``binarize`` (counts range over 0..16).

    Returns
    -------
    Dataset
        ``data`` (1797, 64) float64, ``target`` (1797,) int labels 0..9,
        ``images`` (1797, 8, 8), ``target_names``, ``DESCR``.
    """
    with (
        _data_path("digits.csv.gz").open("rb") as raw,
        gzip.open(raw, "rt") as f,
    ):
        table = np.loadtxt(f, delimiter=",", dtype=np.float64)
    data, target = table[:, :-1], table[:, -1].astype(int)
    if binarize:
        data = (data >= threshold).astype(np.float64)
    return Dataset(
        data=data,
        target=target,
        images=data.reshape(-1, 8, 8),
        target_names=np.arange(10),
        DESCR=DIGITS_DESCR,
    )


# Text (topics chapter) and generated 2-D data (flows chapter), defined in
# their own modules.
from .text import (  # noqa: E402
    ENGLISH_STOP_WORDS,
    bars_topics,
    document_term_matrix,
    load_state_of_the_union,
    make_bars,
    tokenize,
)
from .toy2d import ENERGY_NAMES, energy, make_moons, moons_log_density  # noqa: E402
