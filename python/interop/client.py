#!/usr/bin/env python3
# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Python interop test client (test code only; protocol in README.rst).
Prints one JSON line per case; a failure carries the first difference."""

import argparse
import hashlib
import json
import sys
import time

import grpc
from google.protobuf import duration_pb2
from google.rpc import code_pb2, error_details_pb2
from grpc_status import rpc_status

from oaktreemodel.v1 import common_pb2, compute_pb2, compute_pb2_grpc, image_pb2, image_pb2_grpc

STREAM_COUNT = 10000
PADDING = 1024
UPLOAD_SIZE = 16 * 1024 * 1024 + 12345
CHUNK = 64 * 1024
DOWNLOAD_SIZE = 5 * 1024 * 1024 + 7
DEADLINE_ATTEMPTS = 5
DEADLINE_LIMIT = 5.0  # s: a deadline that did nothing lets the server answer after 10 s
AUTH_MESSAGE = "missing or wrong authorization"
DOMAIN = "oaktree.openstack.org"
RICH_NAME = "clouds/interop/regions/RegionOne/servers/id-rich-error"
FAULT = "No valid host was found"


class Failure(Exception):
    pass


def expect(what, want, got):
    if want != got:
        raise Failure("%s: expected %r, got %r" % (what, want, got))


def expect_status(what, call, code, message=None):
    """Run call(); it must fail with `code` (and `message` when given).
    Returns the error, whose rich status rpc_status.from_call decodes."""
    try:
        call()
    except grpc.RpcError as e:
        expect(what + " status", code.name, e.code().name)
        if message is not None:
            expect(what + " message", message, e.details())
        return e
    raise Failure("%s: expected status %s, got OK" % (what, code.name))


def expect_fails(what, call):
    """Run call(); any status but OK will do (a refused TLS handshake)."""
    try:
        call()
    except grpc.RpcError:
        return
    raise Failure("%s: expected a failure, got OK" % what)


def details_of(what, error):
    """The details of the google.rpc.Status in the error's trailer, by type name."""
    status = rpc_status.from_call(error)
    if status is None:
        raise Failure("%s: no google.rpc.Status in the trailer" % what)
    return {d.TypeName(): d for d in status.details}


def unpack(what, details, cls):
    if cls.DESCRIPTOR.full_name not in details:
        raise Failure("%s: no %s detail (got %s)" % (what, cls.DESCRIPTOR.full_name, sorted(details)))
    m = cls()
    details[cls.DESCRIPTOR.full_name].Unpack(m)
    return m


def expect_reason(what, error, reason):
    info = unpack(what, details_of(what, error), error_details_pb2.ErrorInfo)
    expect(what + " ErrorInfo.domain", DOMAIN, info.domain)
    expect(what + " ErrorInfo.reason", reason, info.reason)
    return info


def upload_data():
    return bytes(i % 251 for i in range(251)) * (UPLOAD_SIZE // 251) + bytes(range(UPLOAD_SIZE % 251))


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Cases:
    def __init__(self, channel, args):
        self.args = args
        self.compute = compute_pb2_grpc.ComputeServiceStub(channel)
        self.image = image_pb2_grpc.ImageServiceStub(channel)
        self.md = (("authorization", "Bearer " + args.token),)

    def _whoami(self, target, ca, cert=None):
        """GetServer("whoami") over TLS, trusting only `ca`, verifying "localhost"."""
        tls = self.args.tls_dir
        if not (tls and target):
            raise Failure("needs --tls-dir, --tls-target and --mtls-target")
        creds = grpc.ssl_channel_credentials(
            root_certificates=read("%s/%s" % (tls, ca)),
            private_key=read("%s/client.key" % tls) if cert else None,
            certificate_chain=read("%s/%s" % (tls, cert)) if cert else None)
        with grpc.secure_channel(target, creds, options=[
                ("grpc.ssl_target_name_override", "localhost")]) as ch:
            return compute_pb2_grpc.ComputeServiceStub(ch).GetServer(
                compute_pb2.GetServerRequest(name_or_id="whoami"), metadata=self.md,
                timeout=30).server

    def unary(self):
        s = self.compute.GetServer(compute_pb2.GetServerRequest(name_or_id="server-42"),
                                   metadata=self.md, timeout=30).server
        expect("server.id", "id-server-42", s.id)
        expect("server.name", "server-42", s.name)
        expect("server.status", "SERVER_STATUS_ACTIVE", compute_pb2.ServerStatus.Name(s.status))
        expect("server.resource_name", "clouds/interop/regions/RegionOne/servers/id-server-42",
               s.resource_name)

    def auth(self):
        req = compute_pb2.GetServerRequest(name_or_id="server-42")
        e = expect_status("wrong token", lambda: self.compute.GetServer(
            req, metadata=(("authorization", "Bearer wrong-token"),), timeout=30),
            grpc.StatusCode.UNAUTHENTICATED, AUTH_MESSAGE)
        expect_reason("wrong token", e, "CALLER_UNAUTHENTICATED")
        e = expect_status("no token", lambda: self.compute.GetServer(req, timeout=30),
                          grpc.StatusCode.UNAUTHENTICATED, AUTH_MESSAGE)
        expect_reason("no token", e, "CALLER_UNAUTHENTICATED")

    def not_found(self):
        expect_status("GetServer(missing-1)", lambda: self.compute.GetServer(
            compute_pb2.GetServerRequest(name_or_id="missing-1"), metadata=self.md, timeout=30),
            grpc.StatusCode.NOT_FOUND, "no server matches missing-1")

    def deadline(self):
        # A CANCELLED attempt is retried, at most DEADLINE_ATTEMPTS times; any
        # other outcome fails (why: the deadline case in tests/interop/README.rst).
        # The server never ends this call itself before 10 s: only the
        # client's deadline can, which the elapsed time proves.
        for attempt in range(1, DEADLINE_ATTEMPTS + 1):
            what = "GetServer(slow) with 300 ms deadline, attempt %d" % attempt
            start = time.monotonic()
            try:
                expect_status(what, lambda: self.compute.GetServer(
                    compute_pb2.GetServerRequest(name_or_id="slow"), metadata=self.md, timeout=0.3),
                    grpc.StatusCode.DEADLINE_EXCEEDED)
            except Failure as e:
                if "got 'CANCELLED'" not in str(e) or attempt == DEADLINE_ATTEMPTS:
                    raise
                continue
            elapsed = time.monotonic() - start
            if elapsed >= DEADLINE_LIMIT:
                raise Failure("%s: ended after %.1f s, not by the deadline" % (what, elapsed))
            return {"attempts": attempt}

    def server_stream(self):
        req = compute_pb2.ListServersRequest(selector=common_pb2.Selector(name_or_id="bulk-*"))
        req.selector.filters.update({"count": STREAM_COUNT, "padding": PADDING})
        n = total = 0
        outcomes = []
        for resp in self.compute.ListServers(req, metadata=self.md, timeout=60):
            if resp.WhichOneof("item") == "scope_outcome":
                outcomes.append(resp.scope_outcome)
                continue
            if outcomes:
                raise Failure("server %d after a scope_outcome" % n)
            s = resp.server
            expect("message %d name" % n, "bulk-%05d" % n, s.name)
            expect("message %d padding length" % n, PADDING,
                   len(s.properties.fields["padding"].string_value))
            n += 1
            total += resp.ByteSize()
        expect("servers received", STREAM_COUNT, n)
        if total <= 8 * 1024 * 1024:
            raise Failure("stream total %d bytes, expected far above 4 MiB" % total)
        want = [
            common_pb2.ScopeOutcome(location=common_pb2.Location(
                cloud="interop", region_name="RegionOne"), count=n),
            common_pb2.ScopeOutcome(
                location=common_pb2.Location(cloud="interop", region_name="RegionTwo"),
                code=code_pb2.UNAVAILABLE, message="RegionTwo is unreachable",
                reason=common_pb2.ERROR_REASON_CLOUD_UNREACHABLE,
                metadata={"cloud_request_id": "req-interop-2"},
                retry_delay=duration_pb2.Duration(seconds=2))]
        expect("scope outcomes", [str(w) for w in want], [str(o) for o in outcomes])

    def client_stream(self):
        data = upload_data()
        img = self._upload(data, hashlib.sha256(data).hexdigest()).image
        expect("image.name", "interop.img", img.name)
        expect("image.size", len(data), img.size)

    def upload_corrupt(self):
        data = upload_data()[:1024 * 1024]
        expect_status("upload with wrong sha256", lambda: self._upload(data, "0" * 64),
                      grpc.StatusCode.DATA_LOSS)

    def _upload(self, data, sha):
        def requests():
            yield image_pb2.UploadImageRequest(metadata=image_pb2.ImageUploadMetadata(
                name="interop.img", sha256=sha, size=len(data)))
            for off in range(0, len(data), CHUNK):
                yield image_pb2.UploadImageRequest(chunk=data[off:off + CHUNK])
        return self.image.UploadImage(requests(), metadata=self.md, timeout=60)

    def download(self):
        size = DOWNLOAD_SIZE
        digest, got = hashlib.sha256(), 0
        for resp in self.image.DownloadImage(
                image_pb2.DownloadImageRequest(name_or_id="pattern-%d" % size),
                metadata=self.md, timeout=60):
            digest.update(resp.chunk)
            got += len(resp.chunk)
        expect("bytes downloaded", size, got)
        expect("sha256 of the download", hashlib.sha256(upload_data()[:size]).hexdigest(),
               digest.hexdigest())

    def cancel(self):
        tag = "cancel-py-%d" % time.monotonic_ns()
        req = compute_pb2.ListServersRequest(selector=common_pb2.Selector(name_or_id=tag))
        req.selector.filters.update({"count": 1000000})
        call = self.compute.ListServers(req, metadata=self.md, timeout=60)
        for _ in range(5):
            next(call)
        call.cancel()
        expect_status("stream after cancel", lambda: [None for _ in call], grpc.StatusCode.CANCELLED)
        for _ in range(100):  # bounded: the server records the cancel asynchronously
            s = self.compute.GetServer(compute_pb2.GetServerRequest(name_or_id="cancelled?" + tag),
                                       metadata=self.md, timeout=30).server
            if s.status == compute_pb2.SERVER_STATUS_DELETED:
                return
            time.sleep(0.05)
        raise Failure("server did not report the cancellation of %s" % tag)

    def rich_error(self):
        request_id = "req-py-%d" % time.monotonic_ns()
        e = expect_status("CreateServer(rich-error)", lambda: self.compute.CreateServer(
            compute_pb2.CreateServerRequest(
                location=common_pb2.Location(cloud="interop", region_name="RegionOne"),
                name="rich-error", image="cirros", flavor="m1.tiny", request_id=request_id),
            metadata=self.md, timeout=30),
            grpc.StatusCode.FAILED_PRECONDITION, "server rich-error went to ERROR")
        details = details_of("rich-error", e)
        info = expect_reason("rich-error", e, "RESOURCE_IN_ERROR_STATE")
        expect("ErrorInfo.metadata", {
            "cloud": "interop", "region": "RegionOne", "resource_type": "oaktree.v1.Server",
            "resource_name": RICH_NAME, "request_id": request_id,
            "cloud_request_id": "req-interop-1", "fault": FAULT}, dict(info.metadata))
        res = unpack("rich-error", details, error_details_pb2.ResourceInfo)
        expect("ResourceInfo", error_details_pb2.ResourceInfo(
            resource_type="oaktree.v1.Server", resource_name=RICH_NAME,
            owner="project-interop", description=FAULT), res)
        last = unpack("rich-error", details, compute_pb2.Server)
        expect("last observed Server", compute_pb2.Server(
            id="id-rich-error", name="rich-error", status=compute_pb2.SERVER_STATUS_ERROR,
            resource_name=RICH_NAME,
            location=common_pb2.Location(cloud="interop", region_name="RegionOne")), last)

    def tls(self):
        s = self._whoami(self.args.tls_target, "ca.pem")
        expect("whoami over TLS", ("id-whoami", "tls"), (s.id, s.metadata.get("transport")))
        if not s.metadata.get("server-language"):
            raise Failure("whoami over TLS: no server-language")
        expect_fails("TLS trusting only other-ca.pem",
                     lambda: self._whoami(self.args.tls_target, "other-ca.pem"))

    def mtls(self):
        s = self._whoami(self.args.mtls_target, "ca.pem", cert="client.pem")
        expect("whoami over mutual TLS", ("id-whoami", "mtls", "oaktree-interop-client"),
               (s.id, s.metadata.get("transport"), s.metadata.get("client-cn")))
        expect_fails("mutual TLS without a client certificate",
                     lambda: self._whoami(self.args.mtls_target, "ca.pem"))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--target", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--cases", required=True,
                    help="comma-separated case names of tests/interop/README.rst, run in order")
    ap.add_argument("--tls-dir", help="the test CA's folder (ca.pem, client.pem, ...)")
    ap.add_argument("--tls-target", help="the server's TLS port")
    ap.add_argument("--mtls-target", help="the server's mutual-TLS port")
    args = ap.parse_args()
    ok = True
    with grpc.insecure_channel(args.target) as channel:
        cases = Cases(channel, args)
        for name in args.cases.split(","):
            run = getattr(cases, name.replace("-", "_"), None)
            try:
                if run is None:
                    raise Failure("unknown case")
                line = {"case": name, "ok": True, **(run() or {})}
            except Failure as e:
                line = {"case": name, "ok": False, "error": str(e)}
            except grpc.RpcError as e:
                line = {"case": name, "ok": False,
                        "error": "unexpected status %s: %s" % (e.code().name, e.details())}
            ok = ok and line["ok"]
            print(json.dumps(line), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
