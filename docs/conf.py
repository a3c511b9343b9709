"""Sphinx configuration of the mmmultimix docs: the user guide (Markdown,
MyST) and the API reference from the docstrings (autodoc), built with
warnings as errors by ``tests/test_docs.py`` (``sphinx-build -W``)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

project = 'mmmultimix'
author = 'the mmmultimix developers'
copyright = '2026, the mmmultimix developers'
extensions = ['myst_parser', 'sphinx.ext.autodoc', 'sphinx.ext.napoleon',
              'sphinx.ext.mathjax', 'sphinx.ext.viewcode']
source_suffix = {'.md': 'markdown', '.rst': 'restructuredtext'}
root_doc = 'index'
myst_enable_extensions = ['dollarmath', 'colon_fence', 'deflist']
myst_heading_anchors = 3
# study reports are generated with H1 then H3 sections
suppress_warnings = ['myst.header']
# the benchmark outputs are included by benchmarks/index.md
exclude_patterns = ['_build', '**/trainings', 'benchmarks/bench_*',
                    'benchmarks/precision_*']
html_theme = 'furo'
html_title = 'mmmultimix'
autodoc_default_options = {'members': True, 'show-inheritance': True}
autodoc_member_order = 'bysource'
autodoc_typehints = 'description'
autodoc_mock_imports = []
napoleon_google_docstring = True
napoleon_numpy_docstring = False
