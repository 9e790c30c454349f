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
                    endless list), opened 10 at a time: each is cancelled once
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
        reqs = []
        for i in range(min(at_once, total - done)):
            req = compute_pb2.ListServersRequest(selector=common_pb2.Selector(
                name_or_id="cancel-abuse-%d" % (done + i)))
            req.selector.filters.update({"count": 1000000})
            reqs.append(req)
        # All of a batch open at once; each is cancelled as soon as its first
        # message is in (kept open while the next ones were opened one by one,
        # the endless streams flooded the connection and a grpc-java server
        # took 0.3-0.6 s for each new stream's first message).
        calls = [compute.ListServers(req, metadata=md, timeout=60) for req in reqs]
        for req, call in zip(reqs, calls):
            if not first_message(call, shed):
                call = open_stream(compute, req, md, shed)
            call.cancel()
        done += len(calls)
    return "%d streams opened and cancelled (%d attempts shed with RESOURCE_EXHAUSTED)" % (done, shed[0])


def first_message(call, shed):
    """True once the call's first message arrived; False if the server shed
    it with RESOURCE_EXHAUSTED (counted in shed)."""
    import grpc
    try:
        next(call)
        return True
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
            raise
        shed[0] += 1
        return False


def open_stream(compute, req, md, shed):
    """A stream whose first message arrived. A server may shed load with
    RESOURCE_EXHAUSTED while cancelled handlers wind down (the Ruby server's
    fixed pool does): like a real client, back off and try again."""
    import grpc
    for attempt in range(200):
        call = compute.ListServers(req, metadata=md, timeout=60)
        if first_message(call, shed):
            return call
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
    # No BDP probing: the stream windows stay at 64 KiB, so an endless stream
    # that the client does not read stops at that much instead of the
    # megabytes a grown window lets a server queue (the point is many
    # cancelled streams, not throughput; a grpc-java server spent seconds a
    # batch filling grown windows).
    with grpc.insecure_channel(a.target, options=[("grpc.http2.bdp_probe", 0)]) as ch:
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
