# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Hostile bytes for every language's parser of our messages.

    python -m differential.hostile --descriptor-set D --seed S OUT

writes records (tests/README.rst, "Differential and hostile inputs") without
"json" and with a "hostile" key naming the class, which the test looks up in
its table of documented acceptances:

  truncated          a random valid message cut short at a random byte
  bit-flip           a random valid message with 1-3 bits flipped
  deep-nesting-N     a Struct nested N levels deep through Value.struct_value
                     (3 message levels each): 10 is fine everywhere, 40 is
                     beyond the usual limit of 100 message levels, 100000
                     would overflow a recursive parser's stack
  huge-length        a length prefix of 2^31-1 .. 2^64-1 with a few bytes
  overlong-varint    an 11-byte varint
  field-zero         a field number 0
  invalid-utf8       a string field holding bytes that are not UTF-8
  duplicate-oneof    two members of one oneof on the wire (the last wins)
  wrong-wire-type    a known field with another wire type
  unpacked-repeated  a packed repeated scalar sent unpacked (valid)
  unknown-group      an unknown field of the deprecated group wire types

Types and fields are chosen from the descriptor set (the first type of the
sorted list that has the needed field), never named here.
"""

import argparse
import json
import random
import sys

from google.protobuf import descriptor as _d

from tools import descriptors
from differential import random_messages as rm

F = _d.FieldDescriptor
varint = rm.varint
DEPTHS = (10, 40, 100000)


def tag(number, wire):
    return varint(number << 3 | wire)


def ld(number, payload):
    return tag(number, 2) + varint(len(payload)) + payload


def nested_struct(depth):
    """Struct bytes nested ``depth`` levels: {"k": {"k": ... {}}}."""
    heads, size = [], 0    # each level only prepends, so build the heads and join once
    key = ld(1, b"k")
    for _ in range(depth):
        value = tag(5, 2) + varint(size)                      # Value.struct_value
        value_size = len(value) + size
        entry = key + tag(2, 2) + varint(value_size)          # map entry key/value
        entry_size = len(entry) + value_size
        field = tag(1, 2) + varint(entry_size)                # Struct.fields
        heads.append(field + entry + value)
        size = len(field) + entry_size
    return b"".join(reversed(heads))


def first(types, pred):
    for desc in types:
        for f in desc.fields:
            if pred(f):
                return desc, f
    raise ValueError("no message type has the field the hostile input needs")


def records(ds, seed):
    rng = random.Random(seed)
    types = ds.message_types()
    out = []

    def add(cls, desc, data):
        out.append({"type": desc.full_name, "binary": data.hex(), "hostile": cls})

    # truncated and bit-flipped valid messages
    for i in range(300):
        rec = rm.record(ds, types, "%s:hostile" % seed, rng.randrange(10**9))
        data = bytes.fromhex(rec["binary"])
        if len(data) < 2:
            continue
        desc = ds.pool.FindMessageTypeByName(rec["type"])
        if i % 2:
            add("truncated", desc, data[:rng.randrange(1, len(data))])
        else:
            b = bytearray(data)
            for _ in range(rng.randint(1, 3)):
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
            add("bit-flip", desc, bytes(b))

    desc, f = first(types, lambda f: f.message_type is not None
                    and f.message_type.full_name == "google.protobuf.Struct" and not f.is_repeated)
    for depth in DEPTHS:
        add("deep-nesting-%d" % depth, desc, ld(f.number, nested_struct(depth)))

    desc, f = first(types, lambda f: f.type == F.TYPE_STRING and not f.is_repeated)
    for n in (2**31 - 1, 2**32, 2**63, 2**64 - 1):
        add("huge-length", desc, tag(f.number, 2) + varint(n) + b"abc")
    add("overlong-varint", desc, tag(f.number, 0) + b"\xff" * 10 + b"\x01")
    add("field-zero", desc, b"\x02\x01a")
    for bad in (b"\xc3\x28", b"\xed\xa0\x80", b"\xff", b"\xc0\x80", b"ok\xf4\x90\x80\x80"):
        add("invalid-utf8", desc, ld(f.number, bad))
    add("wrong-wire-type", desc, tag(f.number, 0) + varint(7))

    desc, f = first(types, lambda f: f.containing_oneof is not None
                    and rm.real_oneof(f) is not None and f.message_type is not None
                    and len(f.containing_oneof.fields) > 1)
    other = next(g for g in f.containing_oneof.fields if g is not f)
    add("duplicate-oneof", desc, ld(f.number, b"") + (
        ld(other.number, b"") if other.message_type is not None or other.type in (F.TYPE_STRING, F.TYPE_BYTES)
        else tag(other.number, 0) + varint(1)))

    desc, f = first(types, lambda f: f.is_repeated and f.type in (
        F.TYPE_INT32, F.TYPE_INT64, F.TYPE_UINT32, F.TYPE_UINT64, F.TYPE_BOOL, F.TYPE_ENUM))
    add("unpacked-repeated", desc, b"".join(tag(f.number, 0) + varint(v) for v in (1, 2, 3)))

    desc = types[0]
    top = max([g.number for g in desc.fields] + [0]) + 1
    add("unknown-group", desc, tag(top, 3) + tag(1, 0) + varint(5) + tag(top, 4))
    return out


def write(descriptor_set, seed, out_path):
    ds = descriptors.load(descriptor_set)
    recs = records(ds, seed)
    with open(out_path, "w", encoding="utf-8") as out:
        for r in recs:
            out.write(json.dumps(r, separators=(",", ":")) + "\n")
    return len(recs)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--descriptor-set", required=True)
    ap.add_argument("--seed", required=True)
    ap.add_argument("out")
    a = ap.parse_args(argv)
    print("%d hostile records -> %s" % (write(a.descriptor_set, a.seed, a.out), a.out))


if __name__ == "__main__":
    sys.exit(main())
