"""Print the book's configuration for the PDF: ``_config.yml`` with solutions left out.

``make pdf`` builds the book through LaTeX with this configuration: the printed book keeps every
exercise and omits the solutions (sphinx-exercise's ``hide_solutions``), which the HTML book
keeps in collapsed drop-downs. Everything else is the one ``_config.yml``, except the fonts.

Fonts: Sphinx's XeLaTeX default is the FreeFont family, whose FreeMono lacks characters the
package's code, docstrings and outputs use (ᵀ ᵈ ᵗ ⊙ ⟨ ⟩ 𝒩 ≫). Code is set in DejaVu Sans Mono
(Debian's fonts-dejavu-core), which has all but 𝒩 and ≫ (and ℓ in its oblique face); those
come from FreeSerif and FreeMono. Math is Computer Modern throughout (fontspec's ``no-math``).
``tests/test_pdf.py`` fails on any "Missing character" in the LaTeX log.
"""

import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]

FREEFONT = r"""[
  Extension      = .otf,
  UprightFont    = *,
  ItalicFont     = *%s,
  BoldFont       = *Bold,
  BoldItalicFont = *Bold%s,
]"""

FONTPKG = "\n".join([
    r"\setmainfont{FreeSerif}" + FREEFONT % ("Italic", "Italic"),
    r"\setsansfont{FreeSans}" + FREEFONT % ("Oblique", "Oblique"),
    r"\setmonofont{DejaVu Sans Mono}[Scale=MatchLowercase]",
    # Characters missing from some faces: 𝒩 (U+1D4A9) and ≫ (U+226B) from upright FreeSerif
    # (its italic lacks 𝒩), ℓ (U+2113) in code from FreeMono (DejaVu's oblique lacks it).
    # Math mode keeps TeX's own symbols. \symbol, not the character, in the definitions: the
    # character itself is now active.
    r"\newfontfamily\lvmserif{FreeSerif}[Extension=.otf]",
    r"\newfontfamily\lvmmono{FreeMono}" + FREEFONT % ("Oblique", "Oblique"),
    r"\makeatletter\edef\lvm@tt{\ttdefault}",
    r"\newcommand\lvm@intt[2]{\edef\lvm@f{\f@family}\ifx\lvm@f\lvm@tt#1\else#2\fi}",
    r"\usepackage{newunicodechar}",
    r'\newunicodechar{𝒩}{\ifmmode\mathcal{N}\else{\lvmserif\upshape\symbol{"1D4A9}}\fi}',
    r'\newunicodechar{≫}{\ifmmode\gg\else{\lvmserif\upshape\symbol{"226B}}\fi}',
    r'\newunicodechar{ℓ}{\ifmmode\ell\else\lvm@intt{{\lvmmono\symbol{"2113}}}{\symbol{"2113}}\fi}',
    # With fontspec's no-math (below) math is all Computer Modern, which has no °: 10° in
    # math is 10^\circ.
    r'\newunicodechar{°}{\ifmmode^\circ\else\symbol{"B0}\fi}',
    r"\makeatother",
])

config = yaml.safe_load((ROOT / "_config.yml").read_text())
sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
sphinx_config["hide_solutions"] = True
elements = sphinx_config.setdefault("latex_elements", {})
elements["fontpkg"] = FONTPKG
# Math keeps Computer Modern throughout: by default fontspec sets \mathbf in the text font,
# FreeSerif Bold, whose letters do not match the math italic, and XeTeX then logs a missing
# U+007F in FreeSerif Bold for accents on bold letters (\bar{\tilde{\mathbf{v}}} in the
# CD algorithm: 32 times; TeX's skew character is 127, the likely cause).
elements["passoptionstopackages"] = r"\PassOptionsToPackage{no-math}{fontspec}"
yaml.safe_dump(config, sys.stdout, sort_keys=False, allow_unicode=True)
