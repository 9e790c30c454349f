# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Random valid messages of every oaktree type, driven only by the descriptor set.

    python -m differential.random_messages --descriptor-set D --seed S --count N OUT

writes N records (tests/README.rst, "Differential and hostile inputs") to OUT:
record i is of message type i mod T (T types, so the count spreads over all of
them) and is made by its own generator seeded with "S:i", so one record is
reproduced from the seed and its line number alone.

A message sets each field with some probability, recursing to MAX_DEPTH:
nested and repeated messages, maps, one member (or none) of each oneof,
proto3 optional fields set to zero, Struct/Value trees, Timestamps and
Durations up to the limits of their JSON form, every enum value and now and
then a number the enum does not declare, edge and random numbers (-0.0, NaN,
infinities, extreme integers), non-ASCII, control and long strings. About one
record in eight carries fields of a newer schema (unknown fields) in its
binary, at top level or in a nested message; its "json" cannot carry them.
"""

import argparse
import json
import random
import struct
import sys

from google.protobuf import descriptor as _d
from google.protobuf import json_format

from differential import wire
from differential.wire import varint
from tools import descriptors

F = _d.FieldDescriptor
MAX_DEPTH = 3
P_SET = 0.6
P_UNKNOWN = 0.125

INT32_EDGES = [0, 1, -1, 2**31 - 1, -2**31, 127, 128, -129]
INT64_EDGES = [0, 1, -1, 2**63 - 1, -2**63, 2**53 + 1, -(2**53 + 1), 2**31]
UINT32_EDGES = [0, 1, 2**32 - 1, 2**31, 127, 128]
UINT64_EDGES = [0, 1, 2**64 - 1, 2**63, 2**53 + 1, 2**32]
NAN = float("nan")
INF = float("inf")
DOUBLE_EDGES = [0.0, -0.0, 1.5, 0.1, NAN, INF, -INF, 1.7976931348623157e308, 5e-324,
                2.2250738585072014e-308, 9007199254740993.0, 1e21, 1e-7]
FLOAT_EDGES = [0.0, -0.0, 1.5, 0.1, NAN, INF, -INF, 3.4028234663852886e38,
               1.401298464324817e-45, 1.1754943508222875e-38, 16777217.0, 1e21]
STRING_POOL = ["", "a", "plain", "h\u00e9llo w\u00f6rld", "\u65e5\u672c\u8a9e", "oak \U0001F333",
               "quote\" back\\slash\ttab\nline", "nul\x00byte", "\u2028\u2029", "e\u0301",
               "\ufeffbom", "\U0010FFFF", "</script>", "\x7f\x1f"]
TS_MIN, TS_MAX = -62135596800, 253402300799       # 0001-01-01 .. 9999-12-31
DUR_MAX = 315576000000                             # 10,000 years


def is_map(f):
    return f.message_type is not None and f.message_type.GetOptions().map_entry


def real_oneof(f):
    """The field's oneof unless it is the synthetic one of a proto3 optional."""
    o = f.containing_oneof
    if o is None or (len(o.fields) == 1 and o.name == "_" + f.name):
        return None
    return o


class Generator:
    def __init__(self, rng, ds):
        self.rng = rng
        self.ds = ds

    # --- scalars ------------------------------------------------------------
    def integer(self, edges, lo, hi):
        r = self.rng.random()
        if r < 0.4:
            return self.rng.choice(edges)
        if r < 0.7:
            return self.rng.randint(max(lo, -300), min(hi, 300))
        return self.rng.randint(lo, hi)

    def double(self, float32=False):
        if self.rng.random() < 0.4:
            return self.rng.choice(FLOAT_EDGES if float32 else DOUBLE_EDGES)
        if float32:
            v = struct.unpack("<f", self.rng.getrandbits(32).to_bytes(4, "little"))[0]
        else:
            v = struct.unpack("<d", self.rng.getrandbits(64).to_bytes(8, "little"))[0]
        return 0.5 if v != v else v   # random NaN payloads are not canonical: the edges have NaN

    def string(self):
        r = self.rng.random()
        if r < 0.5:
            return self.rng.choice(STRING_POOL)
        if r < 0.998:
            return "".join(self.rng.choice(STRING_POOL[1:]) for _ in range(self.rng.randint(1, 4)))
        # now and then a long one, with characters from every UTF-8 length
        chars = "x\u00e9\u4e2d\U0001F333"
        return "".join(self.rng.choice(chars) for _ in range(self.rng.randint(1000, 5000)))

    def bytes_(self):
        if self.rng.random() < 0.002:
            return self.rng.randbytes(self.rng.randint(1000, 5000))
        return self.rng.randbytes(self.rng.randint(0, 40))

    def scalar(self, f):
        t = f.type
        if t in (F.TYPE_INT32, F.TYPE_SINT32, F.TYPE_SFIXED32):
            return self.integer(INT32_EDGES, -2**31, 2**31 - 1)
        if t in (F.TYPE_INT64, F.TYPE_SINT64, F.TYPE_SFIXED64):
            return self.integer(INT64_EDGES, -2**63, 2**63 - 1)
        if t in (F.TYPE_UINT32, F.TYPE_FIXED32):
            return self.integer(UINT32_EDGES, 0, 2**32 - 1)
        if t in (F.TYPE_UINT64, F.TYPE_FIXED64):
            return self.integer(UINT64_EDGES, 0, 2**64 - 1)
        if t == F.TYPE_DOUBLE:
            return self.double()
        if t == F.TYPE_FLOAT:
            return self.double(float32=True)
        if t == F.TYPE_BOOL:
            return self.rng.random() < 0.5
        if t == F.TYPE_STRING:
            return self.string()
        if t == F.TYPE_BYTES:
            return self.bytes_()
        if t == F.TYPE_ENUM:
            if self.rng.random() < 0.03:   # open enum: a value of a newer schema
                return self.rng.randint(1000, 2**31 - 1)
            return self.rng.choice(f.enum_type.values).number
        raise ValueError("no generator for field type %d (%s)" % (t, f.full_name))

    # --- well-known types ---------------------------------------------------
    def json_number(self):
        v = self.double()
        return v if v == v and abs(v) != INF else 0.25   # Value has no NaN/Infinity in JSON

    def value(self, v, depth):
        kinds = ["null", "number", "string", "bool"] + (["struct", "list"] if depth < 4 else [])
        k = self.rng.choice(kinds)
        if k == "null":
            v.null_value = 0
        elif k == "number":
            v.number_value = self.json_number()
        elif k == "string":
            v.string_value = self.string()
        elif k == "bool":
            v.bool_value = self.rng.random() < 0.5
        elif k == "struct":
            self.struct(v.struct_value, depth + 1)
        else:
            lv = v.list_value
            lv.SetInParent()
            for _ in range(self.rng.randint(0, 3)):
                self.value(lv.values.add(), depth + 1)

    def struct(self, s, depth):
        s.SetInParent()
        for _ in range(self.rng.randint(0, 3)):
            self.value(s.fields[self.string()], depth + 1)

    def path(self):
        words = ["".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz")
                         for _ in range(self.rng.randint(1, 6)))
                 for _ in range(self.rng.randint(1, 3))]
        return self.rng.choice(["_", "."]).join(words)

    def wkt(self, msg, depth):
        """Fill a well-known type inside the range of its JSON form; True if it was one."""
        name = msg.DESCRIPTOR.full_name
        if name == "google.protobuf.Timestamp":
            msg.seconds = self.integer([TS_MIN, TS_MAX, 0, -1], TS_MIN, TS_MAX)
            msg.nanos = self.integer([0, 999999999, 1], 0, 999999999)
        elif name == "google.protobuf.Duration":
            secs = self.integer([DUR_MAX, -DUR_MAX, 0, 1, -1], -DUR_MAX, DUR_MAX)
            nanos = self.integer([0, 999999999, 1], 0, 999999999)
            if secs < 0 or (secs == 0 and self.rng.random() < 0.5):
                nanos = -nanos     # the sign of nanos follows the seconds
            msg.seconds, msg.nanos = secs, nanos
        elif name == "google.protobuf.Struct":
            self.struct(msg, depth)
        elif name == "google.protobuf.Value":
            self.value(msg, depth)
        elif name == "google.protobuf.ListValue":
            msg.SetInParent()
            for _ in range(self.rng.randint(0, 3)):
                self.value(msg.values.add(), depth + 1)
        elif name == "google.protobuf.FieldMask":
            msg.paths[:] = [self.path() for _ in range(self.rng.randint(0, 3))]
        elif name == "google.protobuf.Any":
            # an oaktree message a reader finds by name in its own registry
            inner = self.message(self.ds.message_class("oaktree.v1.Location")(), MAX_DEPTH)
            msg.Pack(inner, deterministic=True)
        else:
            return False
        return True

    # --- messages -----------------------------------------------------------
    def set_field(self, msg, f, depth):
        if is_map(f):
            kf, vf = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
            m = getattr(msg, f.name)
            for _ in range(self.rng.randint(0, 3)):
                key = self.scalar(kf)
                if vf.message_type is not None:
                    self.message(m[key], depth + 1)
                else:
                    m[key] = self.scalar(vf)
        elif f.is_repeated:
            seq = getattr(msg, f.name)
            for _ in range(self.rng.randint(0, 3)):
                if f.message_type is not None:
                    self.message(seq.add(), depth + 1)
                else:
                    seq.append(self.scalar(f))
        elif f.message_type is not None:
            self.message(getattr(msg, f.name), depth + 1)
        else:
            setattr(msg, f.name, self.scalar(f))

    def message(self, msg, depth=0):
        msg.SetInParent()
        if self.wkt(msg, depth):
            return msg
        desc = msg.DESCRIPTOR
        for o in desc.oneofs:
            if real_oneof(o.fields[0]) is not None and self.rng.random() < P_SET and depth < MAX_DEPTH:
                self.set_field(msg, self.rng.choice(o.fields), depth)
        for f in desc.fields:
            if real_oneof(f) is not None or self.rng.random() >= P_SET:
                continue
            if f.message_type is not None and depth >= MAX_DEPTH:
                continue
            self.set_field(msg, f, depth)
        if self.rng.random() < P_UNKNOWN:
            self.add_unknown(msg)
        return msg

    def add_unknown(self, msg):
        """Append one field of a newer schema: a number the type does not declare."""
        top = max([f.number for f in msg.DESCRIPTOR.fields] + [0])
        number = self.rng.choice([top + 1, top + 1000, 536870911])
        if number in msg.DESCRIPTOR.fields_by_number:
            return
        wire = self.rng.choice([0, 1, 2, 5])
        data = varint(number << 3 | wire)
        if wire == 0:
            data += varint(self.rng.getrandbits(64))
        elif wire == 1:
            data += self.rng.randbytes(8)
        elif wire == 5:
            data += self.rng.randbytes(4)
        else:
            payload = self.rng.choice([b"", b"newer \xe2\x9c\x93", self.rng.randbytes(20)])
            data += varint(len(payload)) + payload
        msg.MergeFromString(data)


def record(ds, types, seed, index):
    """The record with line number ``index`` (0-based) of the run with ``seed``."""
    desc = types[index % len(types)]
    gen = Generator(random.Random("%s:%d" % (seed, index)), ds)
    msg = gen.message(ds.message_class(desc.full_name)())
    return {"type": desc.full_name,
            # canonical map order: upb's deterministic order is its own (wire.py)
            "binary": wire.canonical(desc, msg.SerializeToString(deterministic=True)).hex(),
            "json": json_format.MessageToDict(msg, descriptor_pool=ds.pool)}


def write(descriptor_set, seed, count, out_path):
    ds = descriptors.load(descriptor_set)
    types = ds.message_types()
    with open(out_path, "w", encoding="utf-8") as out:
        for i in range(count):
            out.write(json.dumps(record(ds, types, seed, i), ensure_ascii=False,
                                 separators=(",", ":")) + "\n")
    return len(types)


def reserialize(descriptor_set, path, limit):
    """Records of ``path`` whose bytes this process's protobuf runtime writes
    otherwise (parse, deterministic serialize): [(line, its bytes)]."""
    ds = descriptors.load(descriptor_set)
    differ = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i == limit:
                break
            r = json.loads(line)
            got = ds.message_class(r["type"]).FromString(bytes.fromhex(r["binary"])).SerializeToString(
                deterministic=True).hex()
            if got != r["binary"]:
                differ.append((i, got))
    return differ


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--descriptor-set", required=True)
    ap.add_argument("--seed")
    ap.add_argument("--count", type=int)
    ap.add_argument("--reserialize", action="store_true",
                    help="read OUT's first COUNT records instead, and print each whose bytes this "
                         "runtime writes otherwise")
    ap.add_argument("out")
    a = ap.parse_args(argv)
    if a.reserialize:
        from google.protobuf.internal import api_implementation
        differ = reserialize(a.descriptor_set, a.out, a.count)
        for i, got in differ:
            print("record %d: %s writes %s" % (i, api_implementation.Type(), got))
        print("%s: %d records differ" % (api_implementation.Type(), len(differ)))
        return 1 if differ else 0
    if a.seed is None or a.count is None:
        ap.error("--seed and --count are needed to write records")
    n = write(a.descriptor_set, a.seed, a.count, a.out)
    print("%d records over %d message types, seed %s -> %s" % (a.count, n, a.seed, a.out))


if __name__ == "__main__":
    sys.exit(main())
