"""Python messages and gRPC stubs of the oaktree v1 API.

oaktree serves the `shade` library's OpenStack operations over gRPC, across many
clouds. The generated modules live in :mod:`oaktreemodel.v1`, e.g.
``from oaktreemodel.v1 import compute_pb2, compute_pb2_grpc``.
The ``.proto`` sources ship in ``oaktreemodel/proto/`` (import root for protoc).
"""

from oaktreemodel._version import __version__

__all__ = ["__version__"]
