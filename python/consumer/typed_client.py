# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""A small client written as a typed user writes it: python/checks/typing runs
`mypy --strict` on it against the staged package (the .pyi stubs of the
wheel, with types-protobuf and types-grpcio), then runs it against the
Python interop server.

  typed_client.py HOST:PORT TOKEN   -> prints "python typed client: ok ..."
"""

import sys
from collections.abc import Iterator

import grpc
from google.protobuf import struct_pb2

from oaktreemodel.v1 import common_pb2, compute_pb2, compute_pb2_grpc

# gRPC call metadata as types-grpcio spells it.
Metadata = tuple[tuple[str, str | bytes], ...]


def server_status(stub: compute_pb2_grpc.ComputeServiceStub, name: str,
                  meta: Metadata) -> compute_pb2.ServerStatus.ValueType:
    reply: compute_pb2.GetServerResponse = stub.GetServer(
        compute_pb2.GetServerRequest(name_or_id=name), metadata=meta, timeout=60)
    server: compute_pb2.Server = reply.server
    return server.status


def bulk_names(stub: compute_pb2_grpc.ComputeServiceStub, count: int,
               meta: Metadata) -> list[str]:
    filters = struct_pb2.Struct()
    filters.update({"count": count})
    request = compute_pb2.ListServersRequest(
        selector=common_pb2.Selector(name_or_id="bulk-*", filters=filters))
    replies: Iterator[compute_pb2.ListServersResponse] = stub.ListServers(
        request, metadata=meta, timeout=60)
    # The stream ends each cloud-region with a scope_outcome item.
    return [r.server.name for r in replies if r.WhichOneof("item") == "server"]


def main(target: str, token: str) -> None:
    meta: Metadata = (("authorization", "Bearer " + token),)
    with grpc.insecure_channel(target) as channel:
        stub = compute_pb2_grpc.ComputeServiceStub(channel)
        status = server_status(stub, "server-7", meta)
        assert status == compute_pb2.SERVER_STATUS_ACTIVE, compute_pb2.ServerStatus.Name(status)
        names = bulk_names(stub, 3, meta)
        assert len(names) == 3, names
    print(f"python typed client: ok (GetServer {compute_pb2.ServerStatus.Name(status)}, "
          f"ListServers of {len(names)})")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
