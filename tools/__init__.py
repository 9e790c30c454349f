"""oaktreemodel's Python tools: they generate and verify, grouped by job.

Run every tool as a module with the source root on the path, from any folder
(a build tree included)::

    PYTHONPATH=<source root> python -m tools.<folder>.<tool> --help

descriptors.py  the one loader of the descriptor set (gen/descriptor/oaktree-v1.binpb,
                built by ``protoc_gen descriptor``); every tool and test that reads
                the API reads it through this module, none parses .proto text
generate/       make-time generation: protoc runs per language (protoc_gen) and
                the wheel (build_wheel)
verify/         checks that ``make check``/``installcheck`` run: API docs, breaking
                changes against api-baselines/, fresh checked-in Go, the
                installed C++ tree
maintain/       maintainer generators whose output is committed: the proto list
                (oaktree/v1/protos.am), the wire vectors, the build benchmark
shade/          the shade coverage wing: is the API a complete, lossless home for
                shade 1.33.0's operations and data (its own venv, maps, fixtures)
"""
