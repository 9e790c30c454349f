#!/usr/bin/env python3
# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Python interop test server (test code only; protocol in README.rst)."""

import argparse
import hashlib
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import any_pb2, duration_pb2, struct_pb2  # noqa: F401  (Struct in requests)
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from oaktreemodel.v1 import common_pb2, compute_pb2, compute_pb2_grpc, image_pb2, image_pb2_grpc

AUTH_MESSAGE = "missing or wrong authorization"
DOMAIN = "oaktree.openstack.org"
CHUNK = 64 * 1024
RICH_NAME = "clouds/interop/regions/RegionOne/servers/id-rich-error"
FAULT = "No valid host was found"


def packed(message):
    any_ = any_pb2.Any()
    any_.Pack(message)
    return any_


def abort_rich(context, code, message, *details):
    """Ends the call with a google.rpc.Status carrying `details` (the error model)."""
    context.abort_with_status(rpc_status.to_status(status_pb2.Status(
        code=code, message=message, details=[packed(d) for d in details])))


def error_info(reason, **metadata):
    return error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN, metadata=metadata)


class State:
    """Tags of ListServers streams this server saw cancelled."""

    def __init__(self, token):
        self.token = token
        self.lock = threading.Lock()
        self.cancelled = set()

    def authorize(self, context):
        if dict(context.invocation_metadata()).get("authorization") != "Bearer " + self.token:
            abort_rich(context, code_pb2.UNAUTHENTICATED, AUTH_MESSAGE,
                       error_info("CALLER_UNAUTHENTICATED"))


class Compute(compute_pb2_grpc.ComputeServiceServicer):
    def __init__(self, state):
        self.state = state

    def GetServer(self, request, context):
        self.state.authorize(context)
        name = request.name_or_id
        if name == "slow":  # far past the client's deadline; only the client's deadline ends it
            for _ in range(1000):
                if not context.is_active():
                    break
                time.sleep(0.01)
            return compute_pb2.GetServerResponse(server=compute_pb2.Server(id="id-slow", name=name))
        if name == "whoami":
            auth = context.auth_context()
            md = {"server-language": "python", "transport": "plaintext"}
            if auth.get("transport_security_type") == [b"ssl"]:
                cn = auth.get("x509_common_name")
                md["transport"] = "mtls" if cn else "tls"
                if cn:
                    md["client-cn"] = cn[0].decode()
            return compute_pb2.GetServerResponse(server=compute_pb2.Server(
                id="id-whoami", name=name, metadata=md))
        if name.startswith("cancelled?"):
            tag = name[len("cancelled?"):]
            with self.state.lock:
                seen = tag in self.state.cancelled
            status = compute_pb2.SERVER_STATUS_DELETED if seen else compute_pb2.SERVER_STATUS_BUILD
            return compute_pb2.GetServerResponse(server=compute_pb2.Server(name=tag, status=status))
        if name.startswith("server-"):
            return compute_pb2.GetServerResponse(server=compute_pb2.Server(
                id="id-" + name, name=name, status=compute_pb2.SERVER_STATUS_ACTIVE,
                resource_name="clouds/interop/regions/RegionOne/servers/id-" + name,
                metadata={"server-language": "python"}))
        context.abort(grpc.StatusCode.NOT_FOUND, "no server matches " + name)

    def CreateServer(self, request, context):
        self.state.authorize(context)
        if request.name != "rich-error":
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unknown server " + request.name)
        where = common_pb2.Location(cloud="interop", region_name="RegionOne")
        last = compute_pb2.Server(id="id-rich-error", name="rich-error", location=where,
                                  status=compute_pb2.SERVER_STATUS_ERROR, resource_name=RICH_NAME)
        abort_rich(context, code_pb2.FAILED_PRECONDITION, "server rich-error went to ERROR",
                   error_info("RESOURCE_IN_ERROR_STATE", cloud="interop", region="RegionOne",
                              resource_type="oaktree.v1.Server", resource_name=RICH_NAME,
                              request_id=request.request_id, cloud_request_id="req-interop-1",
                              fault=FAULT),
                   error_details_pb2.ResourceInfo(resource_type="oaktree.v1.Server",
                                                  resource_name=RICH_NAME, owner="project-interop",
                                                  description=FAULT),
                   last)

    def ListServers(self, request, context):
        self.state.authorize(context)
        sel = request.selector
        filters = sel.filters.fields
        count = int(filters["count"].number_value) if "count" in filters else 0
        padding = int(filters["padding"].number_value) if "padding" in filters else 0
        if sel.name_or_id.startswith("cancel-"):
            tag = sel.name_or_id
            finished = []

            def on_done():  # called when the RPC ends: record it unless we finished
                if not finished:
                    with self.state.lock:
                        self.state.cancelled.add(tag)
            context.add_callback(on_done)
            for i in range(count):
                if not context.is_active():
                    break
                yield compute_pb2.ListServersResponse(server=compute_pb2.Server(name="%s-%d" % (tag, i)))
            finished.append(True)
            return
        if sel.name_or_id != "bulk-*":
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unknown selector " + sel.name_or_id)
        pad = "x" * padding
        for i in range(count):
            s = compute_pb2.Server(id="id-%05d" % i, name="bulk-%05d" % i,
                                   status=compute_pb2.SERVER_STATUS_ACTIVE,
                                   metadata={"index": str(i)})
            s.properties.fields["padding"].string_value = pad
            s.properties.fields["index"].number_value = i
            yield compute_pb2.ListServersResponse(server=s)
        yield compute_pb2.ListServersResponse(scope_outcome=common_pb2.ScopeOutcome(
            location=common_pb2.Location(cloud="interop", region_name="RegionOne"), count=count))
        yield compute_pb2.ListServersResponse(scope_outcome=common_pb2.ScopeOutcome(
            location=common_pb2.Location(cloud="interop", region_name="RegionTwo"),
            code=code_pb2.UNAVAILABLE, message="RegionTwo is unreachable",
            reason=common_pb2.ERROR_REASON_CLOUD_UNREACHABLE,
            metadata={"cloud_request_id": "req-interop-2"},
            retry_delay=duration_pb2.Duration(seconds=2)))


class Image(image_pb2_grpc.ImageServiceServicer):
    def __init__(self, state):
        self.state = state

    def UploadImage(self, request_iterator, context):
        self.state.authorize(context)
        first = next(request_iterator, None)
        if first is None or first.WhichOneof("content") != "metadata":
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "first message must be metadata")
        meta = first.metadata
        digest, size = hashlib.sha256(), 0
        for req in request_iterator:
            if req.WhichOneof("content") != "chunk":
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "metadata after the first message")
            digest.update(req.chunk)
            size += len(req.chunk)
        if size != meta.size or digest.hexdigest() != meta.sha256:
            context.abort(grpc.StatusCode.DATA_LOSS, "sha256 or size mismatch: got %d bytes sha256 %s"
                          % (size, digest.hexdigest()))
        return image_pb2.UploadImageResponse(image=image_pb2.Image(
            id="img-" + meta.sha256[:16], name=meta.name, size=size))

    def DownloadImage(self, request, context):
        self.state.authorize(context)
        name = request.name_or_id
        if not (name.startswith("pattern-") and name[len("pattern-"):].isdigit()):
            context.abort(grpc.StatusCode.NOT_FOUND, "no image matches " + name)
        size = int(name[len("pattern-"):])
        block = bytes(i % 251 for i in range(251)) * (CHUNK // 251 + 2)
        for off in range(0, size, CHUNK):  # chunk at offset off starts at off % 251
            n = min(CHUNK, size - off)
            yield image_pb2.DownloadImageResponse(chunk=block[off % 251:off % 251 + n])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--token", required=True)
    ap.add_argument("--tls-dir", help="also serve TLS and mutual TLS with DIR/server.pem")
    args = ap.parse_args()
    state = State(args.token)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    compute_pb2_grpc.add_ComputeServiceServicer_to_server(Compute(state), server)
    image_pb2_grpc.add_ImageServiceServicer_to_server(Image(state), server)
    ports = ["PORT=%d" % server.add_insecure_port("127.0.0.1:0")]
    if args.tls_dir:
        def read(name):
            with open("%s/%s" % (args.tls_dir, name), "rb") as f:
                return f.read()
        pair = [(read("server.key"), read("server.pem"))]
        ports.append("TLS_PORT=%d" % server.add_secure_port(
            "127.0.0.1:0", grpc.ssl_server_credentials(pair)))
        ports.append("MTLS_PORT=%d" % server.add_secure_port(
            "127.0.0.1:0", grpc.ssl_server_credentials(
                pair, root_certificates=read("ca.pem"), require_client_auth=True)))
    server.start()
    print(" ".join(ports), flush=True)
    server.wait_for_termination()  # until the driver kills us


if __name__ == "__main__":
    main()
