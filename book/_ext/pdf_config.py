"""Print the book's configuration for the PDF: ``_config.yml`` with solutions left out.

``make pdf`` builds the book through LaTeX with this configuration: the printed book keeps every
exercise and omits the solutions (sphinx-exercise's ``hide_solutions``), which the HTML book
keeps in collapsed drop-downs. Everything else is the one ``_config.yml``.
"""

import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]

config = yaml.safe_load((ROOT / "_config.yml").read_text())
config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
yaml.safe_dump(config, sys.stdout, sort_keys=False, allow_unicode=True)
