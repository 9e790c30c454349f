# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""What each language's runtime documentedly does otherwise than the
canonical answer (its folder's README gives the cause and a minimal input;
the README's language table lists them). The differential and vector tests
apply exactly these rules and forgive nothing else, so a runtime that
changes shows up as a failure that asks for this table to change; a rule
that no record needs is reported too (compare.py).

A rule is (name, function). Byte rules are wire.py functions over one
message level: ``writes`` turn canonical bytes into the bytes the runtime
writes (they apply to ``binary`` and ``json_binary``); ``json_reads`` turn
the message into the one the runtime reads from its JSON (``json_binary``);
``json_prints`` into the one its printed JSON means (``json``).
``print_refuses`` names messages whose JSON the runtime's printer refuses
(the answer then has ``json_write_error``); ``hostile`` maps a hostile class
to the answer the runtime gives instead of compare.EXPECTED's. ``differs_on``
names the causes (wire.FEATURES) for which the runtime may answer a
randomly corrupted record (classes truncated, bit-flip) otherwise than the
reference: such a record is accepted as documented only when the bytes show
one of them. (Which causes a run meets depends on its seed, so an unmet
cause is not reported; an unmet class rule is.)
"""

import struct

from differential import wire

NO_JSON = {"rust": "prost/tonic ship no JSON mapping; the crate offers binary only (rust/README.rst)"}


def unknown_dropped(desc, fields):
    """Fields the type does not declare are not kept."""
    return [x for x in fields if x[0] in desc.fields_by_number]


def cpp_snake_case(camel):
    """A FieldMask JSON path as protobuf 3.21's C++ reads it: an underscore
    before a capital unless it starts the path or follows one, or it is a
    capital after a capital that a lowercase letter does not follow."""
    out = []
    for i, c in enumerate(camel):
        if c.isupper():
            prev = camel[i - 1] if i else "_"
            if prev != "_" and (not prev.isupper() or (i + 1 < len(camel) and camel[i + 1].islower())):
                out.append("_")
            out.append(c.lower())
        else:
            out.append(c)
    return "".join(out)


def fieldmask_camel_runs(desc, fields):
    """C++ reads a run of capitals in a FieldMask path as one word:
    a_b_c is printed "aBC" and read back as a_bc."""
    if desc.full_name != "google.protobuf.FieldMask":
        return fields
    out = []
    for x in fields:
        if x[0] == 1 and x[1] == 2:
            words = x[3].decode("utf-8").split("_")
            camel = words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])
            x = (x[0], x[1], x[2], cpp_snake_case(camel).encode("utf-8"))
        out.append(x)
    return out


def negative_zero_field_read_as_zero(desc, fields):
    """Java's JSON parser reads a double/float field's -0 through BigDecimal,
    which has no negative zero; Value.number_value keeps it."""
    return fields if desc.full_name == "google.protobuf.Value" else wire.negative_zero_is_zero(desc, fields)


def value_negative_zero_is_zero(desc, fields):
    """Go writes a Value.number_value of -0 as 0 in JSON."""
    return wire.negative_zero_is_zero(desc, fields) if desc.full_name == "google.protobuf.Value" else fields


def duration_sign_of_nanos_dropped(desc, fields):
    """Ruby's decode_json reads "-0.5s" as +0.5 s: a Duration with zero
    seconds and negative nanos gets positive nanos."""
    if desc.full_name != "google.protobuf.Duration":
        return fields
    seconds = next((wire.read_varint(x[3], 0)[0] for x in fields if x[0] == 1 and x[1] == 0), 0)
    if seconds:
        return fields
    out = []
    for x in fields:
        if x[0] == 2 and x[1] == 0:
            nanos = struct.unpack("<q", struct.pack("<Q", wire.read_varint(x[3], 0)[0]))[0]
            if nanos < 0:
                x = (x[0], x[1], x[2], wire.varint(-nanos))
        out.append(x)
    return out


def negative_duration_without_both_parts(msg):
    """Ruby's encode_json fails on a Duration whose negative sign is carried
    by seconds alone (nanos 0) or by nanos alone (seconds 0)."""
    return any(m.DESCRIPTOR.full_name == "google.protobuf.Duration" and
               ((m.seconds < 0 and m.nanos == 0) or (m.seconds == 0 and m.nanos < 0))
               for m in messages_in(msg))


def messages_in(msg):
    """The message and every message below it."""
    yield msg
    for f, v in msg.ListFields():
        if f.message_type is None:
            continue
        if f.message_type.GetOptions().map_entry:
            vals = v.values() if f.message_type.fields_by_name["value"].message_type else ()
        elif f.is_repeated:
            vals = v
        else:
            vals = (v,)
        for m in vals:
            yield from messages_in(m)


class Runtime:
    def __init__(self, writes=(), json_reads=(), json_prints=(), print_refuses=None, hostile=None,
                 differs_on=None):
        self.differs_on = differs_on or {}
        self.writes = list(writes)
        self.json_reads = list(json_reads)
        self.json_prints = list(json_prints)
        self.print_refuses = print_refuses
        self.hostile = hostile or {}


RUNTIMES = {
    "python": Runtime(
        writes=[("map keys in upb's order (a key after the longer keys it prefixes)", wire.UPB_ORDER)]),
    "cpp": Runtime(
        json_reads=[("FieldMask path camel-case capitals read as one word", fieldmask_camel_runs)],
        differs_on={"map-entry-unknown-field": "the entry is kept in the map, its unknown field dropped",
                    "varint-over-64-bits": "an unknown varint is written back cut to 64 bits"}),
    "golang": Runtime(
        json_reads=[("NaN read from JSON with other payload bits", wire.nan_bits_ignored)],
        json_prints=[("Value number -0 printed as 0", value_negative_zero_is_zero)],
        hostile={"deep-nesting-40": "accept"},           # protobuf-go's limit is 10,000 levels
        differs_on={"varint-over-64-bits": "rejected (upb cuts it to 64 bits)",
                    "map-entry-unknown-field": "the entry is kept in the map, its unknown field dropped"}),
    "java": Runtime(
        writes=[("map keys in UTF-16 order", wire.UTF16_ORDER)],
        json_reads=[("JSON -0 of a double field read as +0", negative_zero_field_read_as_zero)],
        differs_on={"key-over-32-bits": "the low 32 bits of the key are read",
                    "length-over-32-bits": "the low 32 bits of the length are read",
                    "oneof-member-again": "merged into the member's earlier value",
                    "map-entry-unknown-field": "the entry is kept in the map",
                    "varint-over-64-bits": "an unknown varint is written back cut to 64 bits",
                    "unknown-not-last": "unknown fields written after the known ones, sorted by number"}),
    "js": Runtime(
        json_prints=[("-0 printed as 0", wire.negative_zero_is_zero)],
        hostile={"deep-nesting-40": "accept",             # a map entry is not counted as a level
                 "wrong-wire-type": "reject"},            # read by the declared type
        differs_on={"wrong-wire-type": "read by the declared type",
                    "length-over-32-bits": "the length is read modulo 2^32",
                    "runs-past-enclosing": "not detected",
                    "map-entry-unknown-field": "not skipped: the next bytes are read as a tag",
                    "unknown-in-well-known-type": "dropped (Struct, Value and wrappers keep none)"}),
    "ruby": Runtime(
        json_reads=[("Duration -0.5s read as +0.5s", duration_sign_of_nanos_dropped)],
        print_refuses=("Duration negative in one part only", negative_duration_without_both_parts),
        differs_on={"map-entry-unknown-field": "the entry is written back as it came"}),
    "rust": Runtime(
        writes=[("unknown fields dropped", unknown_dropped),
                ("map entry default key or value left out", wire.map_entry_defaults_omitted),
                ("-0.0 without presence not written", wire.negative_zero_dropped)],
        hostile={"wrong-wire-type": "reject"},
        differs_on={"wrong-wire-type": "rejected", "varint-over-64-bits": "rejected",
                    "map-entry-unknown-field": "the entry is kept in the map"}),
}


def runtime(lang):
    return RUNTIMES.get(lang, Runtime())


# Languages whose runtime keeps no unknown fields (the vector tests assert the drop).
DROPS_UNKNOWN = {lang for lang, rt in RUNTIMES.items() if any(f is unknown_dropped for _, f in rt.writes)}

# Runtimes that write unknown fields in an order of their own, not where
# they were read: their vector checker expects that order, so unknown
# fields moved in front of the known ones are not a fault for them.
UNKNOWN_ORDER = {"java": "protobuf-java writes unknown fields after the known ones, sorted by number "
                         "(java/README.rst)"}
