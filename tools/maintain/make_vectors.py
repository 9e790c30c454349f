# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Generate (or check) the cross-language wire vectors in tests/vectors/.

One file per message type of the oaktree packages found in the descriptor set:
tests/vectors/<full.Name>.json.  Each file holds vectors; a vector has
  name            "empty", "zeros" or "sweep-<k>"
  text            text-format input
  binary          hex of the deterministic binary encoding
  json            canonical proto3 JSON (as a JSON value; compared semantically)
  unknown_binary  (sweep-0 only) `binary` with fields of a newer schema
                  added, top level and in one nested message; must survive a
                  parse/serialize round trip byte for byte.

With --regressions FILE, each record of FILE (JSON Lines: type, binary hex,
seed, line; written by tests/test_differential.py when languages disagreed)
also becomes a vector "regression-<seed>-<line>" of its type, so a message
that once split the languages is checked by every vector checker for good.

Values are driven only by the descriptors: a vector "sweep-k" gives field j the
((k + j) mod n)-th entry of an edge-value table for its type (every enum value,
extreme and negative integers, non-ASCII strings ...), so the vectors of a type
cover every enum value and edge case and a new message needs no new code.

  python -m tools.maintain.make_vectors --descriptor-set D --out tests/vectors \
      --regressions tests/differential/regressions.jsonl [--check]
(`make vectors` runs the first with the build's descriptor set.)
"""

import argparse
import json
import os
import sys

# The vectors are written by protobuf's pure-Python implementation, and
# python/vector-check checks them with upb, the one users run: so the Python
# leg of the vector check compares two implementations, not one with itself.
# Only as a program (main() checks that it took effect): imported, e.g. by
# a test, it must not change the runtime of every process started after it.
if __name__ == "__main__":
    os.environ["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"

from google.protobuf import descriptor as _d  # noqa: E402 (after the switch above)
from google.protobuf import json_format  # noqa: E402
from google.protobuf import message_factory  # noqa: E402
from google.protobuf import text_format  # noqa: E402

from google.protobuf.internal import api_implementation  # noqa: E402

from tools import descriptors  # noqa: E402

MAX_DEPTH = 3          # recursion guard; also keeps nested resources small

F = _d.FieldDescriptor
INT32 = [1, -1, 2147483647, -2147483648, 150, -300]
INT64 = [1, -1, 9223372036854775807, -9223372036854775808, 1 << 40, -(1 << 33)]
UINT32 = [1, 4294967295, 128, 300]
UINT64 = [1, 18446744073709551615, 1 << 63, 1 << 32]
DOUBLE = [1.5, -2.25, 1e300, -1e-300, 0.1, 1.7976931348623157e308]
FLOAT = [1.5, -2.25, 1048576.5, -0.125, 65504.0]  # exact in float32
STRING = ["plain", "h\u00e9llo w\u00f6rld", "\u65e5\u672c\u8a9e", "oak \U0001F333",
          "quote\" back\\slash\ttab\nline", "\u00fc"]
BYTES = [b"\x00\x01\xff", b"oak", bytes(range(32)), b"\xc3\x28"]
TABLE = {
    F.TYPE_INT32: INT32, F.TYPE_SINT32: INT32, F.TYPE_SFIXED32: INT32,
    F.TYPE_INT64: INT64, F.TYPE_SINT64: INT64, F.TYPE_SFIXED64: INT64,
    F.TYPE_UINT32: UINT32, F.TYPE_FIXED32: UINT32,
    F.TYPE_UINT64: UINT64, F.TYPE_FIXED64: UINT64,
    F.TYPE_DOUBLE: DOUBLE, F.TYPE_FLOAT: FLOAT,
    F.TYPE_BOOL: [True, False], F.TYPE_STRING: STRING, F.TYPE_BYTES: BYTES,
}
# Timestamps/Durations must stay inside the range their JSON form allows.
TIMESTAMPS = [(1700000000, 0), (-62135596800, 0), (253402300799, 999999999),
              (1, 500000000), (-1, 123000000), (0, 1000)]
DURATIONS = [(1, 1), (315576000000, 999999999), (-315576000000, -999999999),
             (-2, -500000000), (0, 500000000), (3600, 0)]
# At least as many sweep vectors as the longest table, so every entry appears.
MIN_SWEEP = max(len(t) for t in list(TABLE.values()) + [TIMESTAMPS, DURATIONS])
# Newer-schema fields: the four highest field numbers, one per wire type.
UNKNOWN_NUMBERS = (536870911, 536870910, 536870909, 536870908)
UNKNOWN_TAIL = (
    bytes.fromhex("f8ffffff0f") + bytes([0x96, 0x01])             # 536870911 varint 150
    + bytes.fromhex("f2ffffff0f") + bytes([9]) + "newer \u2713".encode()  # 536870910 len
    + bytes.fromhex("edffffff0f") + (0xDEADBEEF).to_bytes(4, "little")  # 536870909 fixed32
    + bytes.fromhex("e1ffffff0f") + (2**64 - 5).to_bytes(8, "little"))  # 536870908 fixed64


def pick(table, k, j):
    return table[(k + j) % len(table)]


def enum_sizes(desc):
    """Length of the longest enum of desc's own fields (map values included):
    the sweep must cover it. Nested messages sweep their enums in their own
    vector files, which keeps the files of large resources small."""
    n = 0
    for f in desc.fields:
        if _is_map(f):
            f = f.message_type.fields_by_name["value"]
        if f.enum_type is not None:
            n = max(n, len(f.enum_type.values))
    return n


def fill_value(v, k, j, depth):
    """google.protobuf.Value: rotate through every kind, nesting kept shallow."""
    kind = (k + j) % 6
    if kind == 0:
        v.string_value = pick(STRING, k, j)
    elif kind == 1:
        v.number_value = pick([42.0, -7.5, 9007199254740992.0, 1e-9, 0.1], k, j)
    elif kind == 2:
        v.bool_value = (k + j) % 2 == 0
    elif kind == 3:
        v.null_value = 0
    elif kind == 4 and depth < MAX_DEPTH:
        for i in range(2):
            fill_value(v.list_value.values.add(), k, j + i, depth + 1)
    elif depth < MAX_DEPTH:
        fill_struct(v.struct_value, k, j + 1, depth + 1)
    else:
        v.string_value = "leaf"


def fill_struct(s, k, j, depth):
    for i in range(3):
        key = "%s_%d" % (pick(STRING[:4], k, j + i), i)
        fill_value(s.fields[key], k, j + i, depth + 1)


def fill_wkt(msg, k, j, depth):
    """Well-known types whose JSON form constrains the values. True if handled."""
    name = msg.DESCRIPTOR.full_name
    if name == "google.protobuf.Timestamp":
        msg.seconds, msg.nanos = pick(TIMESTAMPS, k, j)
    elif name == "google.protobuf.Duration":
        msg.seconds, msg.nanos = pick(DURATIONS, k, j)
    elif name == "google.protobuf.Struct":
        fill_struct(msg, k, j, depth)
    elif name == "google.protobuf.Value":
        fill_value(msg, k, j, depth)
    elif name == "google.protobuf.ListValue":
        for i in range(3):
            fill_value(msg.values.add(), k, j + i, depth + 1)
    elif name == "google.protobuf.FieldMask":
        msg.paths[:] = ["name", "location.region_name"][: 1 + (k + j) % 2]
    elif name == "google.protobuf.Any":
        msg.type_url = "type.googleapis.com/google.protobuf.Duration"
        msg.value = bytes([8, 1 + (k + j) % 100])
    else:
        return False
    return True


def scalar(f, k, j):
    if f.enum_type is not None:
        return pick([v.number for v in f.enum_type.values], k, j)
    return pick(TABLE[f.type], k, j)


def _count(k, j, depth):
    """Elements of a repeated or map field: 1-3 at top level, 1-2 below."""
    return 1 + (k + j) % (3 if depth == 0 else 2)


def map_key(f, k, i):
    kf = f.message_type.fields_by_name["key"]
    if kf.type == F.TYPE_STRING:
        return "%s-%d" % (pick(STRING[:4], k, i), i)
    if kf.type == F.TYPE_BOOL:
        return i % 2 == 0
    return pick(TABLE[kf.type], k, i)


def populate(msg, k, depth=0):
    """Sweep vector k: every field set (one member per oneof)."""
    if fill_wkt(msg, k, 0, depth):
        return
    desc = msg.DESCRIPTOR
    for j, f in enumerate(desc.fields):
        oneof = f.containing_oneof
        if oneof is not None and not _is_synthetic(oneof):
            members = list(oneof.fields)
            if members[(k + oneof.index) % len(members)] is not f:
                continue
        is_msg = f.message_type is not None
        if is_msg and (depth >= MAX_DEPTH or k >= MIN_SWEEP):
            continue  # sweeps past the edge tables only finish a long enum
        if _is_map(f):
            vf = f.message_type.fields_by_name["value"]
            m = getattr(msg, f.name)
            for i in range(_count(k, j, depth)):
                key = map_key(f, k + j, i)
                if vf.message_type is not None:
                    sub = m[key]
                    sub.SetInParent()
                    populate(sub, k + i, depth + 1)
                else:
                    m[key] = scalar(vf, k + j, i)
        elif f.is_repeated:
            for i in range(_count(k, j, depth)):
                if is_msg:
                    sub = getattr(msg, f.name).add()
                    if not fill_wkt(sub, k, j + i, depth + 1):
                        populate(sub, k + i, depth + 1)
                else:
                    getattr(msg, f.name).append(scalar(f, k + i, j))
        elif is_msg:
            sub = getattr(msg, f.name)
            sub.SetInParent()
            if not fill_wkt(sub, k, j, depth + 1):
                populate(sub, k + j, depth + 1)
        else:
            setattr(msg, f.name, scalar(f, k, j))


def zeros(msg, depth=0):
    """Every field with presence set to its zero value; one zero map entry."""
    for f in msg.DESCRIPTOR.fields:
        if f.message_type is not None and depth >= MAX_DEPTH:
            continue
        oneof = f.containing_oneof
        if oneof is not None and not _is_synthetic(oneof) and msg.WhichOneof(oneof.name):
            continue  # first member of a oneof only
        if _is_map(f):
            kf = f.message_type.fields_by_name["key"]
            vf = f.message_type.fields_by_name["value"]
            zero_key = {F.TYPE_STRING: "", F.TYPE_BOOL: False}.get(kf.type, 0)
            if vf.message_type is not None:
                _zero_message(getattr(msg, f.name)[zero_key])
            else:
                getattr(msg, f.name)[zero_key] = _zero(vf)
        elif f.is_repeated:
            if f.message_type is not None:
                _zero_message(getattr(msg, f.name).add())
            else:
                getattr(msg, f.name).append(_zero(f))
        elif f.message_type is not None:
            _zero_message(getattr(msg, f.name))
        elif f.has_presence:
            setattr(msg, f.name, _zero(f))


def _zero_message(sub):
    """A present but empty message; a Value needs a kind to be valid JSON, so
    its zero is null (an empty Value has no JSON form: Go refuses it)."""
    sub.SetInParent()
    if sub.DESCRIPTOR.full_name == "google.protobuf.Value":
        sub.null_value = 0


def _zero(f):
    if f.type == F.TYPE_STRING:
        return ""
    if f.type == F.TYPE_BYTES:
        return b""
    if f.type == F.TYPE_BOOL:
        return False
    if f.type in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        return 0.0
    return 0


def _is_map(f):
    return f.message_type is not None and f.message_type.GetOptions().map_entry


def _is_synthetic(oneof):
    return len(oneof.fields) == 1 and oneof.fields[0].has_presence and \
        oneof.name == "_" + oneof.fields[0].name


def with_unknown(msg):
    """Binary of msg plus newer-schema fields, at top level and in the first
    set singular message field (so nested preservation is tested too)."""
    for n in UNKNOWN_NUMBERS:
        assert n not in msg.DESCRIPTOR.fields_by_number, "field %d is known" % n
    m = type(msg)()
    m.CopyFrom(msg)
    for f in m.DESCRIPTOR.fields:
        if (f.message_type is not None and not f.is_repeated
                and m.HasField(f.name)):
            sub = getattr(m, f.name)
            data = sub.SerializeToString(deterministic=True) + UNKNOWN_TAIL
            sub.Clear()
            sub.MergeFromString(data)
            break
    return m.SerializeToString(deterministic=True) + UNKNOWN_TAIL


def vector(name, msg, pool, unknown=False):
    v = {
        "name": name,
        "text": text_format.MessageToString(msg, as_utf8=True),
        "binary": msg.SerializeToString(deterministic=True).hex(),
        "json": json_format.MessageToDict(msg, descriptor_pool=pool),
    }
    if unknown:
        v["unknown_binary"] = with_unknown(msg).hex()
    return v


def vectors_for(desc, pool):
    cls = message_factory.GetMessageClass(desc)
    out = [vector("empty", cls(), pool)]
    z = cls()
    zeros(z)
    out.append(vector("zeros", z, pool))
    for k in range(max(MIN_SWEEP, enum_sizes(desc))):
        m = cls()
        populate(m, k)
        out.append(vector("sweep-%d" % k, m, pool, unknown=k == 0))
    return out


def regression_vectors(path, pool):
    """{type: [vector]} from the records of a regressions file (module doc)."""
    out = {}
    if not path:
        return out
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            cls = descriptors.message_class(pool, rec["type"])
            if cls is None:
                raise ValueError("%s:%d: no message type %s" % (path, n, rec["type"]))
            data = bytes.fromhex(rec["binary"])
            msg = cls.FromString(data)
            msg.DiscardUnknownFields()
            v = vector("regression-%s-%s" % (rec["seed"], rec["line"]), msg, pool)
            if data != bytes.fromhex(v["binary"]):
                v["unknown_binary"] = data.hex()
            out.setdefault(rec["type"], []).append(v)
    return out


def render(desc, pool, extra=()):
    doc = {"type": desc.full_name,
           "generated_by": "tools/maintain/make_vectors.py (make vectors; do not edit by hand)",
           "vectors": vectors_for(desc, pool) + list(extra)}
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def generate(descriptor_set, regressions=None):
    ds = descriptors.load(descriptor_set)
    extra = regression_vectors(regressions, ds.pool)
    unknown = sorted(set(extra) - {d.full_name for d in ds.message_types()})
    if unknown:
        raise ValueError("regressions of types not in the descriptor set: %s" % unknown)
    return {d.full_name + ".json": render(d, ds.pool, extra.get(d.full_name, ()))
            for d in ds.message_types()}


def first_difference(old, new):
    """Human-readable first difference between two vector files."""
    try:
        a, b = json.loads(old), json.loads(new)
    except ValueError as e:
        return "not valid JSON (%s)" % e
    va = {v.get("name"): v for v in a.get("vectors", [])}
    vb = {v["name"]: v for v in b["vectors"]}
    for name in vb:
        if name not in va:
            return "vector %s missing" % name
        for key in sorted(set(va[name]) | set(vb[name])):
            old_v, new_v = va[name].get(key), vb[name].get(key)
            if old_v == new_v:
                continue
            if isinstance(old_v, str) and isinstance(new_v, str):
                i = next((n for n, (x, y) in enumerate(zip(old_v, new_v)) if x != y),
                         min(len(old_v), len(new_v)))
                return "vector %s field %s differs at character %d: checked in %s, expected %s" % (
                    name, key, i, _short(old_v[max(0, i - 20):i + 20]),
                    _short(new_v[max(0, i - 20):i + 20]))
            return "vector %s field %s: checked in %s, expected %s" % (
                name, key, _short(old_v), _short(new_v))
    extra = sorted(set(va) - set(vb))
    if extra:
        return "unexpected vector %s" % extra[0]
    return "formatting differs (regenerate)"


def _short(x):
    s = json.dumps(x, ensure_ascii=False)
    return s if len(s) <= 120 else s[:117] + "..."


def check(expected, out_dir):
    problems = []
    present = {n for n in os.listdir(out_dir) if n.endswith(".json")} \
        if os.path.isdir(out_dir) else set()
    for name in sorted(set(expected) - present):
        problems.append("missing: %s" % name)
    for name in sorted(present - set(expected)):
        problems.append("extra (no such message type): %s" % name)
    for name in sorted(present & set(expected)):
        with open(os.path.join(out_dir, name), encoding="utf-8") as fh:
            old = fh.read()
        if old != expected[name]:
            problems.append("stale: %s: %s" % (name, first_difference(old, expected[name])))
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--descriptor-set", required=True)
    ap.add_argument("--out", required=True, help="vector directory")
    ap.add_argument("--regressions", help="JSON Lines of records that once split the languages")
    ap.add_argument("--check", action="store_true",
                    help="compare with the files in --out instead of writing")
    args = ap.parse_args(argv)
    if api_implementation.Type() != "python":
        print("make_vectors: protobuf's %s implementation was loaded before this module; run it "
              "as a program (python -m tools.maintain.make_vectors)" % api_implementation.Type(),
              file=sys.stderr)
        return 2
    expected = generate(args.descriptor_set, args.regressions)
    if args.check:
        problems = check(expected, args.out)
        for p in problems:
            print("make_vectors: " + p, file=sys.stderr)
        if problems:
            print("make_vectors: %d problem(s); regenerate with `make vectors` (python -m "
                  "tools.maintain.make_vectors --descriptor-set D --out %s)"
                  % (len(problems), args.out), file=sys.stderr)
            return 1
        print("make_vectors: %d vector files up to date" % len(expected))
        return 0
    os.makedirs(args.out, exist_ok=True)
    for name in os.listdir(args.out):
        if name.endswith(".json") and name not in expected:
            os.remove(os.path.join(args.out, name))
    for name, text in expected.items():
        path = os.path.join(args.out, name)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
    print("make_vectors: wrote %d vector files to %s" % (len(expected), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
