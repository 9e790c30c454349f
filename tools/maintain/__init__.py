"""Maintainer generators: their output is committed, and ``make check`` fails
while it is stale. ``update_proto_list`` writes oaktree/v1/protos.am (what
protoc makes of every .proto; ``--check`` is the freshness check),
``make_vectors`` writes the cross-language wire vectors in tests/vectors/
(``make vectors``; ``--check`` compares), and ``bench_build`` times the build
for BENCHMARKS.rst.
"""
