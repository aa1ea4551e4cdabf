"""Speed benchmarks: our implementations against scikit-learn on the same data.

Run ``make bench`` (or ``python -m benchmarks [name ...]``). Each module ``bench_<name>.py``
defines ``main()`` that prints one line per comparison with the ratio ours / reference.
Timings alternate between the two implementations in one process, so that a busy machine
slows both alike; each figure is the median over repeats.
"""
