# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Compare one language's --roundtrip answers with the records and the reference.

The rules (tests/README.rst, "Differential and hostile inputs"). Bytes are
compared in canonical form (wire.py: map entries in byte order of their
keys), with the language's documented rules (limits.py) applied and
nothing else forgiven:

- a random record is valid: it must parse; ``binary`` must be the record's
  own bytes (the canonical deterministic encoding, unknown fields last)
  under the language's write rules; ``json`` must mean the record's
  ``json`` (equal as JSON values, or else parsing to the same message:
  float, int64 and default-value spellings differ between printers and are
  all valid proto3 JSON), or ``json_write_error`` where the language's
  printer documentedly refuses the message; ``json_binary`` must be the
  record's bytes without unknown fields (JSON carries none) under its JSON
  read and write rules;
- a hostile record must get the answer its class expects (``EXPECTED``, what
  the protobuf encoding rules say), or for the random classes (truncated,
  bit-flip) the reference language's answer; where accepted, its bytes must
  be the reference's under the language's write rules. A language may
  differ only where its ``hostile`` table says so;
- a documented rule or difference that no record needs is itself reported,
  so the table stays exact.
"""

import json

from google.protobuf import json_format

from differential import limits, wire

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
    """Message classes of the descriptor set, for the meaning of bytes and
    JSON; bytes are compared in canonical form (wire.py)."""

    def __init__(self, ds):
        self.ds = ds
        self._classes = {}

    def cls(self, name):
        if name not in self._classes:
            self._classes[name] = self.ds.message_class(name)
        return self._classes[name]

    def desc(self, name):
        return self.cls(name).DESCRIPTOR

    def canonical(self, name, data):
        return wire.canonical(self.desc(name), data)

    def without_unknown(self, name, data):
        return wire.rewrite(self.desc(name), data, [wire.BYTE_ORDER, limits.unknown_dropped])

    def json_bytes(self, name, value):
        """The canonical bytes a proto3 JSON value means, or raises."""
        return self.canonical(name, json_format.ParseDict(
            value, self.cls(name)(), descriptor_pool=self.ds.pool).SerializeToString(deterministic=True))


class Expect:
    """Applies a runtime's rules to canonical bytes and remembers which rule
    some answer needed (a rule nobody needs is itself a finding)."""

    def __init__(self, ref, rt):
        self.ref, self.rt = ref, rt
        self.needed = set()

    def apply(self, name, data, rules):
        """(bytes with the rules applied, names of the rules that changed them)."""
        changed = []
        for rule_name, rule in rules:
            try:
                after = wire.rewrite(self.ref.desc(name), data, [rule])
            except ValueError:
                continue
            if after != data:
                changed.append(rule_name)
            data = after
        return data, changed

    def check(self, name, expected, got, rules):
        """None if ``got`` is ``expected`` with the rules applied, else the difference."""
        want, changed = self.apply(name, expected, rules)
        both = [r for r in rules if r[1] is wire.nan_bits_ignored]   # applies to the answer too
        if both:
            got, changed_got = self.apply(name, got, both)
            changed += changed_got
        if got == want:
            self.needed.update(changed)
            return None
        return first_byte_difference(want, got) + (" (rules applied: %s)" % ", ".join(changed) if changed else "")

    def unneeded(self, rules):
        return [r for r, _ in rules if r not in self.needed]


def compare(ref, records, answers, reference_answers, rt, no_json=False, report_unneeded=True):
    """Problems of one language: a list of (index, problem). ``records``,
    ``answers`` and ``reference_answers`` are equally long lists of dicts;
    ``rt`` is the language's limits.Runtime. Index -1: a problem of the
    whole run (a documented rule that no record needed)."""
    problems = []
    seen = set()
    ex = Expect(ref, rt)
    if len(answers) != len(records):
        problems.append((min(len(answers), len(records)),
                         "%d answers for %d records: the program stopped early or wrote extra lines"
                         % (len(answers), len(records))))
    for i, (rec, ans, refans) in enumerate(zip(records, answers, reference_answers)):
        name = rec["type"]
        data = bytes.fromhex(rec["binary"])
        cls = rec.get("hostile")
        if cls is None:
            problems += [(i, p) for p in valid_record(ref, ex, rec, ans, data, no_json)]
            continue
        want = EXPECTED.get(cls, "?")
        if want is None:
            causes = set(rt.differs_on) & wire.features(ref.desc(name), data)
            if causes:                      # a documented cause: any answer (there is one)
                seen.update("cause " + c for c in causes)
                continue
            want = "reject" if "error" in refans else "accept"
        got = "reject" if "error" in ans else "accept"
        if got != want:
            if rt.hostile.get(cls) == got:
                seen.add(cls)
                continue
            problems.append((i, "hostile %s: %ss it, expected to %s (%s)" % (
                cls, got[:-1] if got.endswith("e") else got, want,
                ans.get("error", "bytes " + ans.get("binary", "")[:40]))))
            continue
        if got == "accept" and "error" not in refans:
            why = ex.check(name, ref.canonical(name, bytes.fromhex(refans["binary"])),
                           bytes.fromhex(ans["binary"]), rt.writes)
            if why:
                problems.append((i, "hostile %s: accepted, but binary %s" % (cls, why)))
    if report_unneeded:
        for cls, behaviour in sorted(rt.hostile.items()):
            if cls not in seen and any(r.get("hostile") == cls for r in records):
                problems.append((-1, "documented difference not seen: %s %ss" % (
                    cls, behaviour[:-1] if behaviour.endswith("e") else behaviour)))
        if any("hostile" not in r for r in records):
            rules = rt.writes + ([] if no_json else rt.json_reads + rt.json_prints)
            for rule in ex.unneeded(rules):
                problems.append((-1, "documented rule needed by no record: " + rule))
            if rt.print_refuses and rt.print_refuses[0] not in ex.needed and not no_json:
                problems.append((-1, "documented JSON printer refusal seen in no record: "
                                 + rt.print_refuses[0]))
    return problems


def valid_record(ref, ex, rec, ans, data, no_json):
    name = rec["type"]
    rt = ex.rt
    if "error" in ans:
        return ["rejected a valid %s: %s" % (name, ans["error"])]
    out = []
    bare = ref.without_unknown(name, data)
    why = ex.check(name, data, bytes.fromhex(ans.get("binary", "")), rt.writes)
    if why:
        out.append("binary " + why)
    if no_json:
        if "json" in ans or "json_binary" in ans:
            out.append("answers JSON although the language is listed as having none")
        return out
    refused = rt.print_refuses and rt.print_refuses[1](ref.cls(name).FromString(data))
    if "json_write_error" in ans:
        if refused:
            ex.needed.add(rt.print_refuses[0])
        else:
            out.append("JSON printer refused it: " + ans["json_write_error"])
    elif refused:
        out.append("printed JSON although the rule says the printer refuses it (%s)" % rt.print_refuses[0])
    elif "json" not in ans:
        out.append("no json in the answer")
    elif ans["json"] != rec["json"]:
        try:
            got = ref.json_bytes(name, ans["json"])
        except Exception as e:
            out.append("json not valid proto3 JSON of %s (%s: %s): %s" % (
                name, type(e).__name__, e, json.dumps(ans["json"], ensure_ascii=False)[:300]))
        else:
            why = ex.check(name, bare, got, rt.json_prints)
            if why:
                out.append("json means another message, %s: %s" % (
                    why, json.dumps(ans["json"], ensure_ascii=False)[:300]))
    if "json_error" in ans:
        out.append("json parse failed: " + ans["json_error"])
    else:
        why = ex.check(name, bare, bytes.fromhex(ans.get("json_binary", "")), rt.json_reads + rt.writes)
        if why:
            out.append("json_binary " + why)
    return out
