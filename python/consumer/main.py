# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""A Python program that uses the installed wheel as a client author does
(python/checks/consumer runs it in a fresh virtualenv, from an empty folder):
every module imports, the version is the build's, and real RPCs against an
interop test server (tests/interop/README.rst) behave.

  main.py VERSION HOST:PORT TOKEN   -> prints "python consumer: ok ..."
"""

import importlib
import pkgutil
import sys

import grpc
from google.protobuf import struct_pb2

import oaktreemodel
from oaktreemodel.v1 import common_pb2, compute_pb2, compute_pb2_grpc


def main(version, target, token):
    assert oaktreemodel.__version__ == version, oaktreemodel.__version__
    mods = [m.name for m in pkgutil.walk_packages(oaktreemodel.__path__, "oaktreemodel.")]
    for m in mods:
        importlib.import_module(m)
    assert "oaktreemodel.v1.compute_pb2_grpc" in mods, mods
    meta = [("authorization", "Bearer " + token)]
    with grpc.insecure_channel(target) as channel:
        stub = compute_pb2_grpc.ComputeServiceStub(channel)
        reply = stub.GetServer(compute_pb2.GetServerRequest(name_or_id="server-42"),
                               metadata=meta, timeout=60)
        assert reply.server.name == "server-42", reply
        try:
            stub.GetServer(compute_pb2.GetServerRequest(name_or_id="missing-1"), metadata=meta, timeout=60)
            raise AssertionError("GetServer(missing-1) did not fail")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.NOT_FOUND, e
        filters = struct_pb2.Struct()
        filters.update({"count": 100, "padding": 10})
        names, outcomes = [], []
        for r in stub.ListServers(
                compute_pb2.ListServersRequest(selector=common_pb2.Selector(name_or_id="bulk-*", filters=filters)),
                metadata=meta, timeout=60):
            if r.WhichOneof("item") == "server":
                names.append(r.server.name)
            else:
                outcomes.append(r.scope_outcome)
        assert len(names) == 100, len(names)
        # Each cloud-region ends with its outcome: a whole one, then a failed one.
        assert [(o.location.region_name, o.code, o.count) for o in outcomes] == \
            [("RegionOne", 0, 100), ("RegionTwo", 14, 0)], outcomes
    print(f"python consumer: ok ({len(mods)} modules imported; GetServer, NOT_FOUND, ListServers of 100 "
          f"with {len(outcomes)} scope outcomes)")


if __name__ == "__main__":
    main(*sys.argv[1:])
