# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Abuses an interop server the way a broken or hostile client would.

    abuse.py --target 127.0.0.1:N --token T

Runs in order, and prints one JSON line per step ({"step": S, "ok": bool,
"detail": ...}); exit 1 if a step could not be carried out:

  garbage           raw TCP connections that send: random bytes; the HTTP/2
                    preface then frames of an impossible length and type; the
                    preface then a HEADERS frame whose header block is noise;
                    half a preface; nothing at all
  cancel-streams    1,000 ListServers streams (the interop cancel case's
                    endless list), 10 open at a time: each is cancelled once
                    its first message arrived, so each stream really reached
                    the server
  disconnect-upload three clients killed (SIGKILL) in the middle of an
                    UploadImage stream, so the server sees the connection
                    drop under a half-received upload

The driver (tests/test_interop.py) runs this against each server before that
server's first pair and then requires every pair to pass: the server must
keep serving correctly after all of it.
"""

import argparse
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(kind, flags, stream, payload, length=None):
    n = len(payload) if length is None else length
    return struct.pack(">I", n)[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def send_raw(host, port, data, rng):
    """Sends ``data`` on a fresh connection, reads what comes back for a moment, closes."""
    with socket.create_connection((host, port), timeout=5) as s:
        try:
            s.sendall(data)
            s.settimeout(0.5)
            while s.recv(65536):
                pass
        except (socket.timeout, ConnectionError):
            pass   # the server may close on us or stay silent: both are fine


def garbage(host, port):
    rng = random.Random(14)
    sent = 0
    cases = [
        rng.randbytes(65536),
        PREFACE + frame(4, 0, 0, b"") + frame(0xEE, 0xFF, 7, rng.randbytes(64))
        + frame(0, 0, 1, rng.randbytes(32), length=0xFFFFFF),
        PREFACE + frame(4, 0, 0, b"") + frame(1, 0x4, 1, rng.randbytes(200)),
        PREFACE[:10],
        b"",
    ]
    for data in cases:
        send_raw(host, port, data, rng)
        sent += 1
    return "%d raw connections" % sent


# 10 open at a time: test servers hold a worker per open stream, and the
# smallest pool is the Python server's 16 (more would wait for a worker).
def cancel_streams(stubs, md, total=1000, at_once=10):
    from oaktreemodel.v1 import common_pb2, compute_pb2
    compute = stubs["compute"]
    done, shed = 0, [0]
    while done < total:
        calls = []
        for i in range(min(at_once, total - done)):
            req = compute_pb2.ListServersRequest(selector=common_pb2.Selector(
                name_or_id="cancel-abuse-%d" % (done + i)))
            req.selector.filters.update({"count": 1000000})
            calls.append(open_stream(compute, req, md, shed))
        for c in calls:
            c.cancel()
        done += len(calls)
    return "%d streams opened and cancelled (%d attempts shed with RESOURCE_EXHAUSTED)" % (done, shed[0])


def open_stream(compute, req, md, shed):
    """A stream whose first message arrived. A server may shed load with
    RESOURCE_EXHAUSTED while cancelled handlers wind down (the Ruby server's
    fixed pool does): like a real client, back off and try again."""
    import grpc
    for attempt in range(200):
        call = compute.ListServers(req, metadata=md, timeout=60)
        try:
            next(call)
            return call
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
                raise
            shed[0] += 1
            time.sleep(0.05)
    raise RuntimeError("RESOURCE_EXHAUSTED 200 times in a row for %s" % req.selector.name_or_id)


UPLOADER = """import sys, time, grpc
from oaktreemodel.v1 import image_pb2, image_pb2_grpc
def reqs():
    yield image_pb2.UploadImageRequest(metadata=image_pb2.ImageUploadMetadata(
        name="abuse.img", sha256="0" * 64, size=1 << 30))
    while True:
        yield image_pb2.UploadImageRequest(chunk=b"x" * 65536)
        sys.stdout.write("chunk\\n"); sys.stdout.flush()
        time.sleep(0.01)
with grpc.insecure_channel(sys.argv[1]) as ch:
    image_pb2_grpc.ImageServiceStub(ch).UploadImage(
        reqs(), metadata=[("authorization", "Bearer " + sys.argv[2])], timeout=60)
"""


def disconnect_upload(target, token, times=3):
    for _ in range(times):
        p = subprocess.Popen([sys.executable, "-c", UPLOADER, target, token],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            for _ in range(20):   # 20 chunks (1.25 MiB) are on their way
                if not p.stdout.readline():
                    raise RuntimeError("the uploader ended before sending 20 chunks")
        finally:
            p.kill()
            p.wait(timeout=30)
    return "%d uploads cut by SIGKILL after 20 chunks" % times


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", required=True)
    ap.add_argument("--token", required=True)
    a = ap.parse_args(argv)
    import grpc
    from oaktreemodel.v1 import compute_pb2_grpc
    host, port = a.target.rsplit(":", 1)
    md = [("authorization", "Bearer " + a.token)]
    failed = False
    with grpc.insecure_channel(a.target) as ch:
        stubs = {"compute": compute_pb2_grpc.ComputeServiceStub(ch)}
        steps = [("garbage", lambda: garbage(host, int(port))),
                 ("cancel-streams", lambda: cancel_streams(stubs, md)),
                 ("disconnect-upload", lambda: disconnect_upload(a.target, a.token))]
        for name, step in steps:
            start = time.monotonic()
            try:
                detail, ok = step(), True
            except Exception as e:
                detail, ok = "%s: %s" % (type(e).__name__, e), False
                failed = True
            print(json.dumps({"step": name, "ok": ok, "detail": detail,
                              "seconds": round(time.monotonic() - start, 2)}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
