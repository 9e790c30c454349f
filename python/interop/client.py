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

from oaktreemodel.v1 import common_pb2, compute_pb2, compute_pb2_grpc, image_pb2, image_pb2_grpc

STREAM_COUNT = 10000
PADDING = 1024
UPLOAD_SIZE = 16 * 1024 * 1024 + 12345
CHUNK = 64 * 1024
DOWNLOAD_SIZE = 5 * 1024 * 1024 + 7
DEADLINE_ATTEMPTS = 5
AUTH_MESSAGE = "missing or wrong x-auth-token"


class Failure(Exception):
    pass


def expect(what, want, got):
    if want != got:
        raise Failure("%s: expected %r, got %r" % (what, want, got))


def expect_status(what, call, code, message=None):
    """Run call(); it must fail with `code` (and `message` when given)."""
    try:
        call()
    except grpc.RpcError as e:
        expect(what + " status", code.name, e.code().name)
        if message is not None:
            expect(what + " message", message, e.details())
        return
    raise Failure("%s: expected status %s, got OK" % (what, code.name))


def upload_data():
    return bytes(i % 251 for i in range(251)) * (UPLOAD_SIZE // 251) + bytes(range(UPLOAD_SIZE % 251))


class Cases:
    def __init__(self, channel, token):
        self.compute = compute_pb2_grpc.ComputeServiceStub(channel)
        self.image = image_pb2_grpc.ImageServiceStub(channel)
        self.md = (("x-auth-token", token),)

    def unary(self):
        s = self.compute.GetServer(compute_pb2.GetServerRequest(name_or_id="server-42"),
                                   metadata=self.md, timeout=30).server
        expect("server.id", "id-server-42", s.id)
        expect("server.name", "server-42", s.name)
        expect("server.status", "SERVER_STATUS_ACTIVE", compute_pb2.ServerStatus.Name(s.status))

    def auth(self):
        req = compute_pb2.GetServerRequest(name_or_id="server-42")
        expect_status("wrong token", lambda: self.compute.GetServer(
            req, metadata=(("x-auth-token", "wrong-token"),), timeout=30),
            grpc.StatusCode.UNAUTHENTICATED, AUTH_MESSAGE)
        expect_status("no token", lambda: self.compute.GetServer(req, timeout=30),
                      grpc.StatusCode.UNAUTHENTICATED, AUTH_MESSAGE)

    def not_found(self):
        expect_status("GetServer(missing-1)", lambda: self.compute.GetServer(
            compute_pb2.GetServerRequest(name_or_id="missing-1"), metadata=self.md, timeout=30),
            grpc.StatusCode.NOT_FOUND, "no server matches missing-1")

    def deadline(self):
        # A CANCELLED attempt is retried, at most DEADLINE_ATTEMPTS times; any
        # other outcome fails (why: the deadline case in tests/interop/README.rst).
        for attempt in range(1, DEADLINE_ATTEMPTS + 1):
            try:
                expect_status("GetServer(slow) with 300 ms deadline, attempt %d" % attempt,
                              lambda: self.compute.GetServer(
                                  compute_pb2.GetServerRequest(name_or_id="slow"),
                                  metadata=self.md, timeout=0.3),
                              grpc.StatusCode.DEADLINE_EXCEEDED)
                return
            except Failure as e:
                if "got 'CANCELLED'" not in str(e) or attempt == DEADLINE_ATTEMPTS:
                    raise

    def server_stream(self):
        req = compute_pb2.ListServersRequest(selector=common_pb2.Selector(name_or_id="bulk-*"))
        req.selector.filters.update({"count": STREAM_COUNT, "padding": PADDING})
        n = total = 0
        for resp in self.compute.ListServers(req, metadata=self.md, timeout=120):
            s = resp.server
            expect("message %d name" % n, "bulk-%05d" % n, s.name)
            expect("message %d padding length" % n, PADDING,
                   len(s.properties.fields["padding"].string_value))
            n += 1
            total += resp.ByteSize()
        expect("messages received", STREAM_COUNT, n)
        if total <= 8 * 1024 * 1024:
            raise Failure("stream total %d bytes, expected far above 4 MiB" % total)

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
        return self.image.UploadImage(requests(), metadata=self.md, timeout=120)

    def download(self):
        size = DOWNLOAD_SIZE
        digest, got = hashlib.sha256(), 0
        for resp in self.image.DownloadImage(
                image_pb2.DownloadImageRequest(name_or_id="pattern-%d" % size),
                metadata=self.md, timeout=120):
            digest.update(resp.chunk)
            got += len(resp.chunk)
        expect("bytes downloaded", size, got)
        expect("sha256 of the download", hashlib.sha256(upload_data()[:size]).hexdigest(),
               digest.hexdigest())

    def cancel(self):
        tag = "cancel-py-%d" % time.monotonic_ns()
        req = compute_pb2.ListServersRequest(selector=common_pb2.Selector(name_or_id=tag))
        req.selector.filters.update({"count": 1000000})
        call = self.compute.ListServers(req, metadata=self.md, timeout=120)
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


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--target", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--cases", required=True,
                    help="comma-separated case names of tests/interop/README.rst, run in order")
    args = ap.parse_args()
    ok = True
    with grpc.insecure_channel(args.target) as channel:
        cases = Cases(channel, args.token)
        for name in args.cases.split(","):
            run = getattr(cases, name.replace("-", "_"), None)
            try:
                if run is None:
                    raise Failure("unknown case")
                run()
                line = {"case": name, "ok": True}
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
