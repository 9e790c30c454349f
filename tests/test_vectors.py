# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Wire vectors: fresh, complete, and agreed on by every language.
Also tests the checker itself: a corrupted, missing or extra vector fails."""

import json
import os
import shutil
import subprocess
import sys

import pytest

import oaktree_testenv as te
from differential import limits
from tools import descriptors
from tools.maintain import make_vectors


def run_checker(vector_dir):
    ds = te.env("OAKTREE_DESCRIPTOR_SET")
    return subprocess.run(
        [sys.executable, "-m", "tools.maintain.make_vectors", "--descriptor-set", ds, "--out", vector_dir,
         "--regressions", os.path.join(te.TESTS, "differential", "regressions.jsonl"), "--check"],
        capture_output=True, text=True, timeout=300)


def language_failures(argv, env=None, cwd=None):
    """Run a language checker; its failure lines (the output when it fails)."""
    p = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=600)
    return p.returncode, p.stdout + p.stderr


def test_vectors_are_fresh():
    p = run_checker(te.VECTORS)
    assert p.returncode == 0, "stale vectors:\n" + p.stderr


def test_importing_make_vectors_leaves_the_runtime_alone():
    """Regression: make_vectors switched to pure-Python protobuf at import,
    so a test that imported it made every later subprocess run pure Python
    (Python's vector leg then compared that runtime with itself). Only the
    program may switch; this process imported it above."""
    assert os.environ.get("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION") != "python"
    p = subprocess.run([sys.executable, "-c", "from google.protobuf.internal import api_implementation as a;"
                        " print(a.Type())"], capture_output=True, text=True, timeout=60)
    assert p.stdout.strip() == "upb", p.stdout + p.stderr


def declared_types(fds):
    """Every message type of the oaktree files, read straight from the
    FileDescriptorProtos (not through the loader the generator uses)."""
    out = set()

    def walk(prefix, m):
        if m.options.map_entry:
            return
        out.add(prefix + m.name)
        for n in m.nested_type:
            walk(prefix + m.name + ".", n)
    for f in fds.file:
        if f.package.startswith("oaktree."):
            for m in f.message_type:
                walk(f.package + ".", m)
    return out


def test_every_message_type_has_a_vector():
    from google.protobuf import descriptor_pb2
    fds = descriptor_pb2.FileDescriptorSet()
    with open(te.env("OAKTREE_DESCRIPTOR_SET"), "rb") as f:
        fds.ParseFromString(f.read())
    types = declared_types(fds)
    have = {json.load(open(os.path.join(te.VECTORS, n)))["type"]
            for n in os.listdir(te.VECTORS) if n.endswith(".json")}
    assert types, "no oaktree message types in the descriptor set"
    assert sorted(types - have) == [], "message types without a vector"


def test_vectors_sweep_every_enum_value():
    """Across the vectors of a type, each enum field takes every value."""
    ds = te.env("OAKTREE_DESCRIPTOR_SET")
    missing = []
    for desc in descriptors.load(ds).message_types():
        doc = json.load(open(os.path.join(te.VECTORS, desc.full_name + ".json"), encoding="utf-8"))
        for f in desc.fields:
            if f.enum_type is None:
                continue
            seen = set()
            for v in doc["vectors"]:
                value = v["json"].get(f.json_name, f.enum_type.values[0].name)  # unset = zero
                seen.update(value if isinstance(value, list) else [value])
            missing += ["%s.%s: %s" % (desc.full_name, f.name, n)
                        for n in sorted({e.name for e in f.enum_type.values} - seen)]
    assert not missing, "enum values no vector uses: %s" % missing


@pytest.mark.parametrize("lang", te.languages())
def test_language(lang):
    """Every vector through <lang>/vector-check (tests/README.rst)."""
    code, out = language_failures([te.program(lang, "vector-check"), te.VECTORS])
    assert code == 0, "%s/vector-check failed:\n%s" % (lang, out[-6000:])


# --- the checker itself -------------------------------------------------------

@pytest.fixture
def vector_copy(tmp_path):
    d = tmp_path / "vectors"
    shutil.copytree(te.VECTORS, d)
    return d


def corrupt_binary(path):
    doc = json.load(open(path, encoding="utf-8"))
    v = next(v for v in doc["vectors"] if v["binary"])
    v["binary"] = v["binary"][:-2] + ("00" if v["binary"][-2:] != "00" else "01")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True, ensure_ascii=False)
        fh.write("\n")
    return v["name"]


def test_checker_catches_wrong_binary(vector_copy):
    name = corrupt_binary(vector_copy / "oaktree.v1.Server.json")
    p = run_checker(str(vector_copy))
    assert p.returncode != 0
    assert "stale: oaktree.v1.Server.json: vector %s field binary" % name in p.stderr, p.stderr


@pytest.mark.parametrize("lang", te.languages())
def test_language_catches_wrong_binary(vector_copy, lang):
    name = corrupt_binary(vector_copy / "oaktree.v1.Server.json")
    code, out = language_failures([te.program(lang, "vector-check"), str(vector_copy)])
    assert code != 0 and "oaktree.v1.Server %s: " % name in out, out[-3000:]


def corrupt_json(path):
    """Changes one string of one vector's JSON form: every checker compares
    its runtime's JSON with it (semantically), so it must notice."""
    doc = json.load(open(path, encoding="utf-8"))
    v = next(v for v in doc["vectors"] if isinstance(v["json"].get("name"), str))
    v["json"]["name"] = v["json"]["name"] + "-corrupted"
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True, ensure_ascii=False)
        fh.write("\n")
    return v["name"]


# A language without JSON (differential/limits.py) cannot compare it: the
# test asserts exactly that limit, a passing checker, so that adding JSON
# must update the table.
NO_JSON = limits.NO_JSON


@pytest.mark.parametrize("lang", te.languages())
def test_language_catches_wrong_json(vector_copy, lang):
    name = corrupt_json(vector_copy / "oaktree.v1.Server.json")
    code, out = language_failures([te.program(lang, "vector-check"), str(vector_copy)])
    if lang in NO_JSON:
        assert code == 0, "%s compares JSON now: drop it from NO_JSON (%s)" % (lang, out[-2000:])
        return
    assert code != 0 and "oaktree.v1.Server %s: " % name in out, out[-3000:]


def rewrite_vector(path, key, change):
    """Applies ``change`` to ``key`` of the first vector that has it; its name."""
    doc = json.load(open(path, encoding="utf-8"))
    v = next(v for v in doc["vectors"] if v.get(key))
    v[key] = change(v)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True, ensure_ascii=False)
        fh.write("\n")
    return v["name"]


def first_field(data):
    """The bytes of the first top-level field of a length-delimited-led message."""
    assert data[0] & 7 == 2, "the first field is not length-delimited"
    n, shift, i = 0, 0, 1
    while True:
        n |= (data[i] & 0x7F) << shift
        shift += 7
        i += 1
        if not data[i - 1] & 0x80:
            return data[:i + n]


@pytest.mark.parametrize("lang", te.languages())
def test_language_catches_a_binary_that_does_not_round_trip(vector_copy, lang):
    """The binary gets a second copy of its first field in front: it parses
    to an equivalent message whose canonical bytes are shorter, so the
    round-trip check (not only text->binary) must report it."""
    def dup(v):
        b = bytes.fromhex(v["binary"])
        return (first_field(b) + b).hex()
    name = rewrite_vector(vector_copy / "oaktree.v1.Server.json", "binary", dup)
    code, out = language_failures([te.program(lang, "vector-check"), str(vector_copy)])
    assert code != 0 and "oaktree.v1.Server %s: binary round trip" % name in out, out[-3000:]


@pytest.mark.parametrize("lang", te.languages())
def test_language_catches_unknown_fields_that_moved(vector_copy, lang):
    """unknown_binary with its newer-schema fields moved in front of the
    known ones: every runtime writes unknown fields last, so a checker that
    really compares the round trip reports it. A runtime that drops unknown
    fields (differential/limits.py) asserts only that they are dropped; one
    that writes them in an order of its own (limits.UNKNOWN_ORDER), that
    its checker expects that order."""
    def move(v):
        u, tail = bytes.fromhex(v["unknown_binary"]), make_vectors.UNKNOWN_TAIL
        assert u.endswith(tail), "unknown_binary does not end with the newer-schema fields"
        return (tail + u[:-len(tail)]).hex()
    path = vector_copy / "oaktree.v1.Location.json"
    name = rewrite_vector(path, "unknown_binary", move)
    code, out = language_failures([te.program(lang, "vector-check"), str(vector_copy)])
    if lang in limits.DROPS_UNKNOWN:
        assert code == 0, "%s keeps unknown fields now: update differential/limits.py (%s)" % (lang, out[-2000:])
        return
    if lang in limits.UNKNOWN_ORDER:
        assert code == 0, "%s no longer reorders unknown fields: update differential/limits.py (%s)" % (
            lang, out[-2000:])
        return
    assert code != 0 and "oaktree.v1.Location %s: unknown fields round trip" % name in out, out[-3000:]


def test_checker_catches_missing_and_extra_file(vector_copy):
    os.remove(vector_copy / "oaktree.v1.Location.json")
    shutil.copy(vector_copy / "oaktree.v1.Server.json", vector_copy / "oaktree.v1.Gone.json")
    p = run_checker(str(vector_copy))
    assert p.returncode != 0
    assert "missing: oaktree.v1.Location.json" in p.stderr, p.stderr
    assert "extra (no such message type): oaktree.v1.Gone.json" in p.stderr, p.stderr


def test_checker_catches_stale_file(vector_copy):
    path = vector_copy / "oaktree.v1.Project.json"
    doc = json.load(open(path, encoding="utf-8"))
    doc["vectors"].pop()  # as if written by an older generator or schema
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True, ensure_ascii=False)
        fh.write("\n")
    p = run_checker(str(vector_copy))
    assert p.returncode != 0 and "stale: oaktree.v1.Project.json: vector" in p.stderr, p.stderr

