# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""The wire format read field by field with the descriptor, and rewritten.

A runtime's documented difference (limits.py) is a rule that turns the
canonical bytes of a message into the bytes that runtime writes: entries of
a map in another key order, a default map key left out, -0.0 not written.
``rewrite`` applies such rules at every level of a message and re-encodes
the length prefixes, so a comparison can demand byte equality with exactly
the documented rule applied and nothing else forgiven.

The canonical order of map entries is plain byte order of the keys (C++,
Go, Java for ASCII, Ruby, Rust, pure-Python protobuf); ``canonical`` puts a
message in it.
"""

import struct

from google.protobuf import descriptor as _d

F = _d.FieldDescriptor
FLOATING = {F.TYPE_DOUBLE: ("<d", 1), F.TYPE_FLOAT: ("<f", 5)}


def read_varint(data, i):
    n = shift = 0
    while True:
        if i >= len(data) or shift > 63:
            raise ValueError("bad varint at byte %d" % i)
        b = data[i]
        n |= (b & 0x7F) << shift
        i += 1
        shift += 7
        if b < 0x80:
            return n, i


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def items(data):
    """The fields of one message level: [(number, wire type, tag, body)];
    body is the payload of a length-delimited field, else the raw value."""
    out, i = [], 0
    while i < len(data):
        field, i = field_at(data, i)
        out.append(field)
    return out


def field_at(data, i):
    """(the field starting at byte i, the byte after it)."""
    start = i
    key, i = read_varint(data, i)
    number, wt = key >> 3, key & 7
    tag = data[start:i]
    if wt == 0:
        _, j = read_varint(data, i)
    elif wt == 1:
        j = i + 8
    elif wt == 5:
        j = i + 4
    elif wt == 2:
        n, i = read_varint(data, i)
        j = i + n
    elif wt == 3:
        j = i
        while True:
            end_key, k = read_varint(data, j)
            if end_key == (number << 3 | 4):
                break
            _, j = field_at(data, j)
        j = k
    else:
        raise ValueError("wire type %d at byte %d" % (wt, start))
    if j > len(data):
        raise ValueError("field %d runs past the end" % number)
    return (number, wt, tag, data[i:j]), j


def encode(fields):
    out = bytearray()
    for _, wt, tag, body in fields:
        out += tag
        if wt == 2:
            out += varint(len(body))
        out += body
    return bytes(out)


def is_map(f):
    return f.message_type is not None and f.message_type.GetOptions().map_entry


def map_key(entry):
    """The key bytes of an encoded map entry (missing: the default, empty)."""
    key = b""
    for number, _, _, body in items(entry):
        if number == 1:
            key = body
    return key


def rewrite(desc, data, rules):
    """``data`` (a message of type ``desc``) with each rule applied at every
    level. A rule is a function (desc, fields) -> fields."""
    fields = []
    for number, wt, tag, body in items(data):
        f = desc.fields_by_number.get(number)
        if f is not None and wt == 2 and f.message_type is not None:
            body = rewrite(f.message_type, body, rules)
        fields.append((number, wt, tag, body))
    for rule in rules:
        fields = rule(desc, fields)
    return encode(fields)


def map_order(sort_key):
    """A rule: each run of consecutive entries of one map field sorted by
    ``sort_key(key bytes)`` (an entry kept apart, e.g. among unknown fields
    at the end, stays where it is)."""
    def rule(desc, fields):
        out, i = [], 0
        while i < len(fields):
            f = desc.fields_by_number.get(fields[i][0])
            j = i + 1
            if f is not None and is_map(f) and fields[i][1] == 2:
                while j < len(fields) and fields[j][0] == fields[i][0] and fields[j][1] == 2:
                    j += 1
                out += sorted(fields[i:j], key=lambda x: sort_key(map_key(x[3])))
            else:
                out += fields[i:j]
            i = j
        return out
    return rule


def utf16_order(key):
    try:
        return key.decode("utf-8").encode("utf-16-be")
    except UnicodeDecodeError:
        return key


# Plain byte order: the canonical one.
BYTE_ORDER = map_order(bytes)
# upb: a key sorts after every longer key it is a prefix of ("" last).
UPB_ORDER = map_order(lambda key: tuple(key) + (256,))
# Java: String.compareTo, UTF-16 code units (differs above U+FFFF).
UTF16_ORDER = map_order(utf16_order)


def map_entry_defaults_omitted(desc, fields):
    """A map entry without a key or value that has its default encoding."""
    if not desc.GetOptions().map_entry:
        return fields
    return [x for x in fields if not (x[0] in (1, 2) and x[3] in (b"", b"\x00"))]


def negative_zero_dropped(desc, fields):
    """A double/float field without presence holding -0.0 is not written."""
    out = []
    for x in fields:
        f = desc.fields_by_number.get(x[0])
        if (f is not None and f.type in FLOATING and x[1] == FLOATING[f.type][1]
                and not f.has_presence and not f.is_repeated
                and x[3] == struct.pack(FLOATING[f.type][0], -0.0)):
            continue
        out.append(x)
    return out


def negative_zero_is_zero(desc, fields):
    """-0.0 read as +0.0: a field without presence then is not written, one
    with presence (a oneof member such as Value.number_value) holds +0.0."""
    out = []
    for x in negative_zero_dropped(desc, fields):
        f = desc.fields_by_number.get(x[0])
        if (f is not None and f.type in FLOATING and x[1] == FLOATING[f.type][1]
                and x[3] == struct.pack(FLOATING[f.type][0], -0.0)):
            x = (x[0], x[1], x[2], bytes(len(x[3])))
        out.append(x)
    return out


def nan_bits_ignored(desc, fields):
    """Every NaN in a singular double/float field written as the quiet NaN
    (applied to both sides: NaN payload bits are not compared)."""
    out = []
    for x in fields:
        f = desc.fields_by_number.get(x[0])
        if f is not None and f.type in FLOATING and x[1] == FLOATING[f.type][1]:
            fmt = FLOATING[f.type][0]
            v, = struct.unpack(fmt, x[3])
            if v != v:
                x = (x[0], x[1], x[2], struct.pack(fmt, float("nan")))
        out.append(x)
    return out


def canonical(desc, data):
    return rewrite(desc, data, [BYTE_ORDER])


# --- what hostile bytes use: the causes by which runtimes answer differently

SCALAR_WIRE = {F.TYPE_DOUBLE: 1, F.TYPE_FIXED64: 1, F.TYPE_SFIXED64: 1, F.TYPE_FLOAT: 5,
               F.TYPE_FIXED32: 5, F.TYPE_SFIXED32: 5, F.TYPE_STRING: 2, F.TYPE_BYTES: 2,
               F.TYPE_MESSAGE: 2, F.TYPE_GROUP: 3}


def features(desc, data):
    """The encoding features of a (possibly malformed) message that runtimes
    are known to read differently: a set of names, see FEATURES."""
    found = set()
    _features(desc, data, found, 0)
    return found


FEATURES = {
    "malformed": "bytes the strict reading here cannot parse (truncated, a length past its end)",
    "runs-past-enclosing": "a field inside a message or packed run that ends after it",
    "wrong-wire-type": "a known field sent with another wire type",
    "varint-over-64-bits": "a 10-byte varint whose last byte carries bits past 64",
    "key-over-32-bits": "a field key (tag) varint above 2^32",
    "length-over-32-bits": "a length prefix above 2^32",
    "map-entry-unknown-field": "a map entry holding a field other than key and value",
    "oneof-member-again": "a oneof member that comes back after another member",
    "invalid-utf8": "a string field that is not UTF-8",
    "group": "a field of the group wire types",
    "unknown-in-well-known-type": "an unknown field inside a google.protobuf message (Struct, Value, ...)",
    "unknown-not-last": "an unknown field (a number not declared, or a wrong wire type) before a "
                        "known one or before an unknown one of a lower number",
}


def _features(desc, data, found, depth):
    i, last_oneof, last_unknown = 0, {}, None
    while i < len(data):
        start = i
        try:
            key, i = read_varint(data, i)
        except ValueError:
            found.add("malformed")
            return
        if key >= 1 << 32:
            found.add("key-over-32-bits")
        number, wt = key >> 3, key & 7
        f = desc.fields_by_number.get(number) if desc is not None else None
        if wt in (3, 4):
            found.add("group")
        unknown = f is None
        if f is not None:
            want = SCALAR_WIRE.get(f.type, 0)
            packed_ok = f.is_repeated and wt == 2 and want in (0, 1, 5)
            if wt != want and not packed_ok:
                found.add("wrong-wire-type")
                unknown = True
        if desc is not None and wt != 4:
            if last_unknown is not None and (not unknown or number < last_unknown):
                found.add("unknown-not-last")
            if unknown:
                last_unknown = number
                if desc.full_name.startswith("google.protobuf."):
                    found.add("unknown-in-well-known-type")
        o = f.containing_oneof if f is not None else None
        if o is not None and len(o.fields) > 1:
            if last_oneof.get(o.full_name, number) != number and number in last_oneof.get(o.full_name + "#", ()):
                found.add("oneof-member-again")
            last_oneof.setdefault(o.full_name + "#", set()).add(number)
            last_oneof[o.full_name] = number
        if desc is not None and desc.GetOptions().map_entry and number not in (1, 2):
            found.add("map-entry-unknown-field")
        try:
            if wt == 0:
                v, j = read_varint(data, i)
                if j - i == 10 and data[j - 1] > 1:
                    found.add("varint-over-64-bits")
            elif wt == 2:
                n, i = read_varint(data, i)
                if n >= 1 << 32:
                    found.add("length-over-32-bits")
                j = i + n
                if j > len(data):
                    found.add("malformed")
                    return
                if f is not None and wt == 2 and depth < 200:
                    if f.type == F.TYPE_MESSAGE:
                        inner = set()
                        _features(f.message_type, data[i:j], inner, depth + 1)
                        if "malformed" in inner:    # inside a message that itself is whole
                            inner.discard("malformed")
                            inner.add("runs-past-enclosing")
                        found |= inner
                    elif f.type == F.TYPE_STRING:
                        try:
                            data[i:j].decode("utf-8")
                        except UnicodeDecodeError:
                            found.add("invalid-utf8")
            else:
                _, j = field_at(data, start)
        except ValueError:
            found.add("malformed")
            return
        if j > len(data):
            found.add("malformed")
            return
        i = j
