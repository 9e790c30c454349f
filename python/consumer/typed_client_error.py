# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Mistakes the wheel's stubs must make mypy reject (python/checks/typing
asserts each error): a misspelt field of an RPC's reply, which is only caught
when the _pb2_grpc stubs type the reply, and a request of the wrong type."""

import grpc

from oaktreemodel.v1 import compute_pb2, compute_pb2_grpc


def name_of(channel: grpc.Channel) -> str:
    stub = compute_pb2_grpc.ComputeServiceStub(channel)
    reply = stub.GetServer(compute_pb2.GetServerRequest(name_or_id="server-1"))
    return reply.server.nmae


def wrong_request(channel: grpc.Channel) -> None:
    stub = compute_pb2_grpc.ComputeServiceStub(channel)
    stub.GetServer(compute_pb2.ListServersRequest())
