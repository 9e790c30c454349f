# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Python side of the wire vectors: runs every vector through the generated
`oaktreemodel` package (python/vector-check in the build tree runs it with
the staged package on PYTHONPATH).

    check.py VECTOR_DIR   -> one line per failure, exit 1
    check.py --roundtrip IN OUT   -> one answer line per record of IN
                                     (tests/README.rst, differential inputs)

Checks per vector: text -> deterministic binary == expected; binary -> parse ->
serialize is identical; JSON == expected (as JSON values) and JSON -> binary
== expected; unknown_binary survives parse/serialize byte for byte."""

import glob
import importlib
import json
import os
import sys

from google.protobuf import descriptor_pool
from google.protobuf import json_format
from google.protobuf import message_factory
from google.protobuf import text_format



def first_byte_difference(expected, got):
    """'at byte N of A/B: expected ab cd.., got ab ce..' for two byte strings."""
    n = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b),
             min(len(expected), len(got)))
    return "at byte %d of %d/%d: expected %s, got %s" % (
        n, len(expected), len(got), expected[n:n + 8].hex(" ") or "<end>",
        got[n:n + 8].hex(" ") or "<end>")


def load_generated():
    """Import every generated *_pb2 module, so all types are registered."""
    import oaktreemodel.v1 as v1
    for path in sorted(glob.glob(os.path.join(os.path.dirname(v1.__file__), "*_pb2.py"))):
        importlib.import_module("oaktreemodel.v1." + os.path.basename(path)[:-3])


def check_vector(cls, v):
    """Failure strings for one vector ([] when it passes); each check runs
    even when an earlier one failed, so one read shows all that is wrong."""
    binary = bytes.fromhex(v["binary"])

    def ser(m):
        return m.SerializeToString(deterministic=True)

    def text_to_binary():
        got = ser(text_format.Parse(v["text"], cls()))
        return got != binary and first_byte_difference(binary, got)

    def binary_round_trip():
        got = ser(cls.FromString(binary))
        return got != binary and first_byte_difference(binary, got)

    def json_equal():
        got = json.loads(json_format.MessageToJson(text_format.Parse(v["text"], cls())))
        return got != v["json"] and "expected %s, got %s" % (
            json.dumps(v["json"], ensure_ascii=False)[:200],
            json.dumps(got, ensure_ascii=False)[:200])

    def json_to_binary():
        got = ser(json_format.ParseDict(v["json"], cls()))
        return got != binary and first_byte_difference(binary, got)

    def unknown_round_trip():
        ub = bytes.fromhex(v["unknown_binary"])
        got = ser(cls.FromString(ub))
        return got != ub and first_byte_difference(ub, got)

    checks = [("text->binary", text_to_binary), ("binary round trip", binary_round_trip),
              ("json", json_equal), ("json->binary", json_to_binary)]
    if "unknown_binary" in v:
        checks.append(("unknown fields round trip", unknown_round_trip))
    out = []
    for label, fn in checks:
        try:
            problem = fn()
        except Exception as e:  # a parse error is a failure of this check
            problem = "%s: %s" % (type(e).__name__, e)
        if problem:
            out.append("%s %s" % (label, problem))
    return out


def check_dir(vector_dir):
    load_generated()
    pool = descriptor_pool.Default()
    failures = []
    files = sorted(glob.glob(os.path.join(vector_dir, "*.json")))
    for path in files:
        doc = json.load(open(path, encoding="utf-8"))
        try:
            cls = message_factory.GetMessageClass(pool.FindMessageTypeByName(doc["type"]))
        except KeyError:
            failures.append("%s: type not in the generated Python package" % doc["type"])
            continue
        for v in doc["vectors"]:
            problems = check_vector(cls, v)
            failures += ["%s %s: %s" % (doc["type"], v["name"], p) for p in problems]
    return len(files), failures


def answer(pool, classes, record):
    """The answer to one --roundtrip record (tests/README.rst)."""
    name = record["type"]
    if name not in classes:
        try:
            classes[name] = message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
        except KeyError:
            classes[name] = None
    cls = classes[name]
    if cls is None:
        return {"error": "unknown type " + name}
    out = {}
    try:
        msg = cls.FromString(bytes.fromhex(record["binary"]))
        out["binary"] = msg.SerializeToString(deterministic=True).hex()
    except Exception as e:  # any parse failure is an answer (RecursionError too)
        return dict(answer_json(cls, record), error="%s: %s" % (type(e).__name__, e))
    try:
        out["json"] = json_format.MessageToDict(msg)
    except Exception as e:  # parsed, but the printer refuses it
        out["json_write_error"] = "%s: %s" % (type(e).__name__, e)
    return dict(out, **answer_json(cls, record))


def answer_json(cls, record):
    """json_binary or json_error of a record that carries "json"."""
    out = {}
    if "json" in record:
        try:
            out["json_binary"] = json_format.ParseDict(record["json"], cls()).SerializeToString(
                deterministic=True).hex()
        except Exception as e:
            out["json_error"] = "%s: %s" % (type(e).__name__, e)
    return out


def roundtrip(in_path, out_path):
    load_generated()
    pool = descriptor_pool.Default()
    classes = {}
    with open(in_path, encoding="utf-8") as fin, open(out_path, "w", encoding="utf-8") as fout:
        for line in fin:
            try:
                out = answer(pool, classes, json.loads(line))
            except (ValueError, RecursionError, KeyError, TypeError, AttributeError) as e:
                # a line that is not a record is answered too; the stream goes on
                out = {"error": "bad record: %s: %s" % (type(e).__name__, e)}
            fout.write(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "--roundtrip":
        roundtrip(sys.argv[2], sys.argv[3])
        sys.exit(0)
    n, failures = check_dir(sys.argv[1])
    for f in failures:
        print(f)
    if not n:
        print("no vector files in " + sys.argv[1])
    if failures or not n:
        sys.exit(1)
    print("python vectors: %d files ok" % n)
