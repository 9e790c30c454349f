#!/usr/bin/env python3
# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Feeds the Go fuzzer's corpus to the Python library's parsers: its seeds
(every vector of tests/vectors, binary and unknown-field binary) and the
inputs go test -fuzz kept ("go test fuzz v1" files, left by
golang/internal/fuzz), with the same rule for choosing the message type: the first two bytes, big-endian, index the
sorted full names of every oaktree.v1 message (nested ones too, map entries
excluded). Each input must give a DecodeError or a message whose
deterministic encoding and JSON round-trip; anything else fails, naming the
file. Prints how many inputs it ran and how many parsed."""

import argparse
import glob
import json
import os
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message, message_factory

import oaktreemodel.v1  # noqa: F401  (the package; its modules are imported below)


def type_names(descriptor_set):
    fds = descriptor_pb2.FileDescriptorSet()
    with open(descriptor_set, "rb") as f:
        fds.ParseFromString(f.read())
    names = []

    def walk(prefix, m):
        if m.options.map_entry:
            return
        names.append(prefix + m.name)
        for n in m.nested_type:
            walk(prefix + m.name + ".", n)
    for f in fds.file:
        if f.package == "oaktree.v1":
            for m in f.message_type:
                walk("oaktree.v1.", m)
    return sorted(names)


def go_bytes(literal):
    """The bytes of a Go quoted string literal as fmt's %q writes it."""
    assert literal[0] == literal[-1] == '"', literal[:20]
    out, i, s = bytearray(), 1, literal
    simple = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34, "'": 39}
    while i < len(s) - 1:
        c = s[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        e = s[i + 1]
        if e in simple:
            out.append(simple[e])
            i += 2
        elif e == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        elif e in "uU":
            n = 4 if e == "u" else 8
            out += chr(int(s[i + 2:i + 2 + n], 16)).encode("utf-8")
            i += 2 + n
        elif e in "01234567":
            out.append(int(s[i + 1:i + 4], 8))
            i += 4
        else:
            raise ValueError("unknown escape \\%s" % e)
    return bytes(out)


def read_entry(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if not lines or lines[0] != "go test fuzz v1" or not lines[1].startswith("[]byte("):
        raise ValueError("%s: not a go test fuzz v1 []byte entry" % path)
    return go_bytes(lines[1][len("[]byte("):-1])


def check(cls, payload):
    """None when the input is handled correctly, else what went wrong."""
    m = cls()
    try:
        m.ParseFromString(payload)
    except message.DecodeError:
        return None
    first = m.SerializeToString(deterministic=True)
    again = cls()
    again.ParseFromString(first)
    if again.SerializeToString(deterministic=True) != first:
        return "binary round trip differs"
    try:
        js = json_format.MessageToJson(m)
    except (ValueError, json_format.SerializeToJsonError):
        return None  # e.g. NaN in a Struct value: JSON cannot hold it (documented)
    back = json_format.Parse(js, cls())
    if json.loads(json_format.MessageToJson(back)) != json.loads(js):
        return "JSON round trip differs"
    return "parsed"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--descriptor-set", required=True)
    ap.add_argument("--vectors", required=True, help="tests/vectors: the fuzzer's seeds")
    ap.add_argument("corpus", nargs="*", help="folders of go test fuzz v1 files (a missing "
                    "one counts as empty: the fuzzer keeps only inputs that found new code)")
    args = ap.parse_args()
    names = type_names(args.descriptor_set)
    # Importing every generated module fills the default pool.
    pkg = os.path.dirname(oaktreemodel.v1.__file__)
    for mod in sorted(glob.glob(os.path.join(pkg, "*_pb2.py"))):
        __import__("oaktreemodel.v1." + os.path.basename(mod)[:-3])
    pool = descriptor_pool.Default()
    classes = [message_factory.GetMessageClass(pool.FindMessageTypeByName(n)) for n in names]
    index = {n: i for i, n in enumerate(names)}
    inputs = []  # (where it came from, bytes)
    for path in sorted(glob.glob(os.path.join(args.vectors, "*.json"))):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        i = index[doc["type"]]
        for v in doc["vectors"]:
            for key in ("binary", "unknown_binary"):
                if key in v:
                    inputs.append(("%s %s %s" % (doc["type"], v["name"], key),
                                   bytes([i >> 8, i & 255]) + bytes.fromhex(v[key])))
    seeds = len(inputs)
    if not seeds:
        print("check_corpus: no vectors in %s" % args.vectors, file=sys.stderr)
        return 1
    for d in args.corpus:
        inputs += [(os.path.basename(p), read_entry(p)) for p in sorted(glob.glob(os.path.join(d, "*")))]
    failures, parsed = [], 0
    for where, data in inputs:
        if len(data) < 2:
            continue
        cls = classes[((data[0] << 8) | data[1]) % len(classes)]
        try:
            result = check(cls, data[2:])
        except Exception as exc:  # any other exception is a crash of the library
            result = "%s: %s" % (type(exc).__name__, exc)
        if result == "parsed":
            parsed += 1
        elif result is not None:
            failures.append("%s (%s): %s" % (where, cls.DESCRIPTOR.full_name, result))
    print("check_corpus: %d inputs (%d seeds, %d kept by the fuzzer) over %d message types, "
          "%d parsed, %d failures" % (len(inputs), seeds, len(inputs) - seeds, len(classes),
                                     parsed, len(failures)))
    for f in failures:
        print("  FAIL " + f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
