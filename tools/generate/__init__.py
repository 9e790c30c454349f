"""Make-time generation, run by the Makefile's rules (never by hand in normal
use). ``protoc_gen`` runs protoc for one output kind (the descriptor set, C++,
Python, Go or a plugin language) into a temporary folder and publishes only
the files whose bytes changed, then writes the kind's stamp; ``build_wheel``
stages the importable Python package and writes a reproducible wheel from the
generated modules. Both are called as ``python -m tools.generate.<name>``.
"""
