# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Compare one language's --roundtrip answers with the records and the reference.

The rules (tests/README.rst, "Differential and hostile inputs"):

- a random record is valid: it must parse; ``binary`` must be the record's
  own bytes exactly (they are the deterministic encoding, unknown fields
  last), or those bytes without unknown fields for a runtime that drops
  them; ``json`` must mean the record's ``json`` (equal as JSON values, or
  else parsing to the same message: float, int64 and default-value spellings
  differ between printers and are all valid proto3 JSON); ``json_binary``
  must be the record's bytes without unknown fields (JSON carries none);
- a hostile record must get the answer its class expects (``EXPECTED``, what
  the protobuf encoding rules say), or for the random classes (truncated,
  bit-flip) the reference language's answer; where accepted, its bytes must
  be the reference's. A language may differ only where ``documented`` says
  so, and a documented difference that no record shows is itself reported,
  so the table stays exact.
"""

import json

from google.protobuf import json_format

# What the encoding rules say about each hostile class (None: no rule, the
# reference language's answer is the expectation).
EXPECTED = {
    "truncated": None, "bit-flip": None,
    "deep-nesting-10": "accept",        # 30 message levels: within every limit
    "deep-nesting-40": "reject",        # 120 levels: past the usual limit of 100
    "deep-nesting-100000": "reject",    # no parser may recurse that deep
    "huge-length": "reject", "overlong-varint": "reject", "field-zero": "reject",
    "invalid-utf8": "reject",           # proto3 strings are UTF-8
    "duplicate-oneof": "accept",        # the last member wins
    "wrong-wire-type": "accept",        # kept as an unknown field
    "unpacked-repeated": "accept",      # parsers accept both forms
    "unknown-group": "accept",
}


def first_byte_difference(expected, got):
    n = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b),
             min(len(expected), len(got)))
    return "at byte %d of %d/%d: expected %s, got %s" % (
        n, len(expected), len(got), expected[n:n + 8].hex(" ") or "<end>",
        got[n:n + 8].hex(" ") or "<end>")


class Reference:
    """Message classes of the descriptor set, for the meaning of bytes and JSON."""

    def __init__(self, ds):
        self.ds = ds
        self._classes = {}

    def cls(self, name):
        if name not in self._classes:
            self._classes[name] = self.ds.message_class(name)
        return self._classes[name]

    def without_unknown(self, name, data):
        m = self.cls(name).FromString(data)
        m.DiscardUnknownFields()
        return m.SerializeToString(deterministic=True)

    def json_means(self, name, value, expected_bytes):
        """None if the JSON ``value`` parses to ``expected_bytes``, else why not."""
        try:
            got = json_format.ParseDict(value, self.cls(name)(), descriptor_pool=self.ds.pool
                                        ).SerializeToString(deterministic=True)
        except Exception as e:
            return "not valid proto3 JSON of %s (%s: %s): %s" % (
                name, type(e).__name__, e, json.dumps(value, ensure_ascii=False)[:300])
        if got != expected_bytes:
            return "means another message, %s: %s" % (
                first_byte_difference(expected_bytes, got), json.dumps(value, ensure_ascii=False)[:300])
        return None


def compare(ref, records, answers, reference_answers, drops_unknown=False, no_json=False,
            documented=None):
    """Problems of one language: a list of (index, problem). ``records``,
    ``answers`` and ``reference_answers`` are equally long lists of dicts;
    ``documented`` maps a hostile class to the behaviour the language's README
    documents instead of the expectation ("accept"/"reject")."""
    documented = documented or {}
    problems = []
    seen = set()
    if len(answers) != len(records):
        problems.append((min(len(answers), len(records)),
                         "%d answers for %d records: the program stopped early or wrote extra lines"
                         % (len(answers), len(records))))
    for i, (rec, ans, refans) in enumerate(zip(records, answers, reference_answers)):
        name = rec["type"]
        data = bytes.fromhex(rec["binary"])
        cls = rec.get("hostile")
        if cls is None:
            problems += [(i, p) for p in valid_record(ref, rec, ans, data, drops_unknown, no_json)]
            continue
        want = EXPECTED.get(cls, "?")
        if want is None:
            want = "reject" if "error" in refans else "accept"
        got = "reject" if "error" in ans else "accept"
        if got != want:
            if documented.get(cls) == got:
                seen.add(cls)
                continue
            problems.append((i, "hostile %s: %ss it, expected to %s (%s)" % (
                cls, got[:-1] if got.endswith("e") else got, want,
                ans.get("error", "bytes " + ans.get("binary", "")[:40]))))
            continue
        if got == "accept" and "error" not in refans:
            expected = bytes.fromhex(refans["binary"])
            if drops_unknown:
                expected = ref.without_unknown(name, expected)
            if bytes.fromhex(ans["binary"]) != expected:
                problems.append((i, "hostile %s: accepted, but binary %s" % (
                    cls, first_byte_difference(expected, bytes.fromhex(ans["binary"])))))
    for cls, behaviour in sorted(documented.items()):
        if cls not in seen and any(r.get("hostile") == cls for r in records):
            problems.append((-1, "documented difference not seen: %s %ss" % (cls, behaviour[:-1]
                                                                             if behaviour.endswith("e") else behaviour)))
    return problems


def valid_record(ref, rec, ans, data, drops_unknown, no_json):
    name = rec["type"]
    if "error" in ans:
        return ["rejected a valid %s: %s" % (name, ans["error"])]
    out = []
    stripped = None

    def bare():
        nonlocal stripped
        if stripped is None:
            stripped = ref.without_unknown(name, data)
        return stripped

    expected = bare() if drops_unknown else data
    got = bytes.fromhex(ans.get("binary", ""))
    if got != expected:
        out.append("binary %s" % first_byte_difference(expected, got))
    if no_json:
        if "json" in ans or "json_binary" in ans:
            out.append("answers JSON although the language is listed as having none")
        return out
    if "json" not in ans:
        out.append("no json in the answer")
    elif ans["json"] != rec["json"]:
        why = ref.json_means(name, ans["json"], bare())
        if why:
            out.append("json " + why)
    if "json_error" in ans:
        out.append("json parse failed: " + ans["json_error"])
    elif bytes.fromhex(ans.get("json_binary", "")) != bare():
        out.append("json_binary %s" % first_byte_difference(bare(), bytes.fromhex(ans.get("json_binary", ""))))
    return out
