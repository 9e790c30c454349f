"""Tests for the shade verifiers in tools/: they must pass good input AND fail bad input.

These run without the shade venv (fast): the coverage check gets its method
list from a JSON file, the data check gets "shade's output" as saved JSON,
and the converter is exercised on small descriptor sets compiled here with
grpc_tools.protoc. The real checks against shade run from `make check`.

The real API's descriptor set comes from $OAKTREE_DESCRIPTOR_SET when the
build provides it; otherwise it is compiled from oaktree/v1/*.proto.
"""

import glob
import json
import re
import os
import subprocess
import sys
import textwrap

import pytest

from tools import descriptors
from tools.shade import check_coverage as check_shade_coverage
from tools.shade import check_data as check_shade_data
from tools.shade import convert as shade_convert
from tools.shade import env as shade_env
from tools.verify import check_api_docs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def compile_protos(tmp_path, files):
    """Write {relative path: text} under tmp_path and return a descriptor set path."""
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    out = tmp_path / "set.binpb"
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", str(tmp_path),
                    "--descriptor_set_out=%s" % out, "--include_imports",
                    "--include_source_info", *sorted(files)],
                   cwd=tmp_path, check=True, timeout=300)
    return str(out)


TEST_PROTO = """\
syntax = "proto3";
// Test package.
package oaktree.v1;
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";

// Where.
message Location {
  // Cloud.
  string cloud = 1;
}
// Colour.
enum Color {
  // Unset.
  COLOR_UNSPECIFIED = 0;
  // Dark red.
  COLOR_DARK_RED = 1;
}
// An address.
message Item {
  // Text.
  string addr = 1;
  // Version.
  int32 version = 2;
  // Colour of the address.
  Color type = 3;
}
// Wrapper for a list in a map.
message Items {
  // The items.
  repeated Item items = 1;
}
// A resource.
message Keypair {
  // Where.
  Location location = 1;
  // ID.
  string id = 2;
  // Name; unset when unknown.
  optional string name = 3;
  // Plain string.
  string plain = 4;
  // Colour.
  Color color = 5;
  // Created.
  google.protobuf.Timestamp created_at = 6;
  // Unknown keys.
  google.protobuf.Struct properties = 7;
  // Metadata.
  map<string, string> metadata = 8;
  // Addresses per network.
  map<string, Items> addresses = 9;
  // IPv4 access address.
  string access_ipv4 = 10;
  // Count.
  int32 count = 11;
  // Tags.
  repeated string tags = 12;
  // Ratio.
  double ratio = 13;
}
// No properties field.
message Bare {
  // ID.
  string id = 1;
}
// A stack.
message Stack {
  // Where.
  Location location = 1;
  // ID.
  string id = 2;
  // True when heat rolls back a failed create/update.
  optional bool is_rollback_enabled = 3;
  // Template description.
  string template_description = 4;
}
// Get request.
message GetKeypairRequest {
  // Name.
  string name = 1;
}
// Get response.
message GetKeypairResponse {
  // The keypair.
  Keypair keypair = 1;
}
// Keypairs.
service KeypairService {
  // Get one keypair.
  rpc GetKeypair(GetKeypairRequest) returns (GetKeypairResponse);
}
"""


@pytest.fixture(scope="module")
def test_set(tmp_path_factory):
    return compile_protos(tmp_path_factory.mktemp("p"), {"oaktree/v1/t.proto": TEST_PROTO})


@pytest.fixture(scope="module")
def converter(test_set):
    return shade_convert.Converter(descriptors.load(test_set).pool)


def convert(converter, data, name="Keypair"):
    return converter.convert(data, "oaktree.v1." + name)


# --- converter ----------------------------------------------------------------

def test_snake_rules():
    assert shade_convert.snake("accessIPv4") == "access_ipv4"
    assert shade_convert.snake("adminPass") == "admin_pass"
    assert shade_convert.snake("maxTotalRAMSize") == "max_total_ram_size"
    assert shade_convert.snake("router:external") == "router_external"


def test_good_dict_converts_and_round_trips(converter):
    msg, res = convert(converter, {
        "location": {"cloud": "c"}, "id": "k1", "name": None, "plain": "p",
        "color": "dark-red", "created_at": "2015-08-01T19:52:02.000000",
        "properties": {"a": 1}, "metadata": {"k": "v"}, "accessIPv4": "1.2.3.4",
        "addresses": {"net": [{"addr": "10.0.0.1", "version": 4, "OS-EXT-IPS:type": "dark-red"}]},
        "count": 3, "tags": ["x"], "ratio": 1, "weird-key": [1, "two", None]})
    assert res.problems == []
    assert msg.access_ipv4 == "1.2.3.4"
    assert msg.addresses["net"].items[0].type == 1
    assert msg.color == 1
    assert not msg.HasField("name")
    assert res.properties == ["weird-key"]
    assert list(msg.properties["weird-key"]) == [1, "two", None]
    assert shade_convert.round_trip(msg) == []


def test_empty_string_for_a_message_means_unset(converter):
    msg, res = convert(converter, {"id": "x", "location": ""})
    assert res.problems == [] and not msg.HasField("location")
    _, res = convert(converter, {"id": "x", "location": "somewhere"})
    assert "location" in res.problems[0]


def test_int_id_becomes_text_but_other_ints_do_not(converter):
    msg, res = convert(converter, {"id": 7})
    assert res.problems == [] and msg.id == "7"
    _, res = convert(converter, {"id": "x", "plain": 7})
    assert "plain" in res.problems[0]


def test_dropped_key_is_an_error(converter):
    _, res = convert(converter, {"id": "x", "surprise": 1}, "Bare")
    assert len(res.problems) == 1
    assert "surprise" in res.problems[0] and "DROPPED" in res.problems[0]


def test_unknown_enum_value_is_an_error(converter):
    _, res = convert(converter, {"id": "x", "color": "blue"})
    assert "COLOR_BLUE" in res.problems[0]


def test_timestamps_naive_means_utc(converter):
    for text in ("2015-08-01T19:52:02", "2015-08-01T19:52:02Z", "2015-08-01 19:52:02",
                 "2015-08-01T14:52:02-05:00"):
        msg, res = convert(converter, {"id": "x", "created_at": text})
        assert res.problems == [], text
        assert msg.created_at.seconds == 1438458722, text
    _, res = convert(converter, {"id": "x", "created_at": "fake-date"})
    assert "created_at" in res.problems[0]


def test_none_needs_optional(converter):
    _, res = convert(converter, {"id": "x", "plain": None})
    assert "plain" in res.problems[0] and "optional" in res.problems[0]


def test_wrong_type_names_key_value_and_field(converter):
    _, res = convert(converter, {"id": "x", "count": "3"})
    assert "'count'" in res.problems[0] and "'3'" in res.problems[0]
    assert "count" in res.problems[0] and "int32" in res.problems[0]
    _, res = convert(converter, {"id": "x", "count": True})
    assert res.problems
    _, res = convert(converter, {"id": "x", "count": 1.5})
    assert res.problems


def test_two_keys_on_one_field_is_an_error(converter):
    _, res = convert(converter, {"id": "x", "access_ipv4": "a", "accessIPv4": "b"})
    assert "already filled" in res.problems[0]


def test_stack_aliases_fix_shade_bugs(converter):
    msg, res = convert(converter, {"id": "s", "is_rollback_enabled": True,
                                   "tempate_description": "d"}, "Stack")
    assert res.problems == []
    assert msg.is_rollback_enabled is False  # shade copies disable_rollback
    assert msg.template_description == "d"


def test_missing_message_type(converter):
    with pytest.raises(KeyError):
        convert(converter, {}, "Nope")


# --- check_shade_data (saved "shade output", no venv) -----------------------

def test_data_check_passes_and_fails(test_set, tmp_path, capsys):
    records = [{"kind": "keypair", "fixture": "f1", "data": {"id": "k", "name": "n"}}]
    good = tmp_path / "good.json"
    good.write_text(json.dumps(records))
    maps = tmp_path / "maps"
    maps.mkdir()
    args = ["--descriptor-set", test_set, "--map-dir", str(maps)]
    assert check_shade_data.main(args + ["--normalized-json", str(good)]) == 0

    records.append({"kind": "volume", "fixture": "f2", "data": {"id": "v"}})
    records.append({"kind": "keypair", "fixture": "f3", "data": {"id": "k", "count": "x"}})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(records))
    assert check_shade_data.main(args + ["--normalized-json", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "oaktree.v1.Volume is MISSING" in err
    assert "'count'" in err

    # A kind whose shade methods are all excluded is not required.
    (maps / "block.toml").write_text(
        '[get_volume]\nexcluded = "x"\n[list_volumes]\nexcluded = "y"\n')
    records.pop()
    bad.write_text(json.dumps(records))
    assert check_shade_data.main(args + ["--normalized-json", str(bad)]) == 0


# --- check_shade_coverage (method list from JSON, no venv) ------------------

def run_coverage(test_set, tmp_path, maps, methods=("get_keypair", "delete_keypair")):
    mdir = tmp_path / "maps"
    mdir.mkdir(exist_ok=True)
    for old in mdir.glob("*.toml"):
        old.unlink()
    for name, text in maps.items():
        (mdir / name).write_text(textwrap.dedent(text))
    mfile = tmp_path / "methods.json"
    mfile.write_text(json.dumps(list(methods)))
    return check_shade_coverage.main(["--descriptor-set", test_set, "--map-dir", str(mdir),
                                      "--shade-methods-json", str(mfile)])


# Tiers come from tools/shade/shade-methods.md: get_keypair is tier 2 there
# (Ansible), delete_keypair tier 1 (nodepool).
GOOD_MAP = """\
[get_keypair]
tier = 2
rpcs = ["oaktree.v1.KeypairService.GetKeypair"]
[delete_keypair]
excluded = "deferred: not offered in this small test API"
"""


EXCL = 'excluded = "deferred: not offered in this small test API"'


def test_coverage_good_map_passes(test_set, tmp_path, capsys):
    assert run_coverage(test_set, tmp_path, {"a.toml": GOOD_MAP}) == 0
    assert "1 nodepool" in capsys.readouterr().out


@pytest.mark.parametrize("maps, expected", [
    ({"a.toml": GOOD_MAP.split("[delete_keypair]")[0]}, "delete_keypair() (tier 1) is neither"),
    ({"a.toml": GOOD_MAP.replace("GetKeypair", "GetKeyPair")},
     "'oaktree.v1.KeypairService.GetKeyPair', which is not in the descriptor set"),
    ({"a.toml": GOOD_MAP.replace(EXCL, 'excluded = "  "')},
     "empty `excluded` reason"),
    ({"a.toml": GOOD_MAP.replace("tier = 2", 'excluded = "both"')}, "has both"),
    ({"a.toml": GOOD_MAP.replace(EXCL, "tier = 2")},
     "has neither"),
    ({"a.toml": GOOD_MAP, "b.toml": '[get_keypair]\nexcluded = "dup"\n'},
     "[get_keypair] is also mapped in"),
    ({"a.toml": GOOD_MAP + '[get_keypairs]\nexcluded = "typo"\n'},
     "[get_keypairs] is not a public method"),
    ({"a.toml": GOOD_MAP.replace("tier = 2", 'rpc = "x"')}, "unknown key(s) rpc"),
    ({"a.toml": GOOD_MAP.replace("tier = 2", "tier = 7")}, "tier must be 1, 2 or 3"),
    ({"a.toml": GOOD_MAP.replace(EXCL,
                                 'rpcs = ["oaktree.v1.KeypairService.GetKeypair"]')},
     "maps delete_keypair() to oaktree.v1.KeypairService.GetKeypair, but a 'delete' "
     "method must map to Delete first"),
])
def test_coverage_failures_name_the_culprit(test_set, tmp_path, capsys, maps, expected):
    assert run_coverage(test_set, tmp_path, maps) == 1
    assert expected in capsys.readouterr().err


def test_coverage_cli_exit_code(test_set, tmp_path):
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "a.toml").write_text("[get_keypair]\nexcluded = 'x'\n")
    (tmp_path / "m.json").write_text('["get_keypair", "list_keypairs"]')
    proc = subprocess.run([sys.executable, "-m", "tools.shade.check_coverage",
                           "--descriptor-set", test_set, "--map-dir", str(tmp_path / "maps"),
                           "--shade-methods-json", str(tmp_path / "m.json")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "list_keypairs()" in proc.stderr


# --- check_api_docs ---------------------------------------------------------

def test_api_docs_passes_documented(test_set, capsys):
    assert check_api_docs.main(["--descriptor-set", test_set]) == 0
    assert "oaktree.v1.KeypairService" in capsys.readouterr().out


def test_api_docs_fails_undocumented_and_locationless(tmp_path, capsys):
    text = TEST_PROTO.replace("  // Plain string.\n", "").replace(
        "// Get one keypair.\n", "").replace(
        "  // Where.\n  Location location = 1;\n  // ID.\n  string id = 2;\n  // Name;",
        "  // ID.\n  string id = 2;\n  // Name;")
    bad = compile_protos(tmp_path, {"oaktree/v1/t.proto": text})
    assert check_api_docs.main(["--descriptor-set", bad]) == 1
    err = capsys.readouterr().err
    assert "field oaktree.v1.Keypair.plain has no leading comment" in err
    assert "rpc oaktree.v1.KeypairService.GetKeypair has no leading comment" in err
    assert "oaktree.v1.Keypair (has `id`, returned by an RPC) lacks" in err


# --- the real maps against the real API (still no shade needed) ------------

@pytest.fixture(scope="module")
def api_set(tmp_path_factory):
    path = os.environ.get("OAKTREE_DESCRIPTOR_SET")
    if path:
        return path
    out = tmp_path_factory.mktemp("api") / "oaktree.binpb"
    protos = sorted(os.path.relpath(p, ROOT)
                    for p in glob.glob(os.path.join(ROOT, "oaktree", "v1", "*.proto")))
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I.",
                    "--descriptor_set_out=%s" % out, "--include_imports",
                    "--include_source_info", *protos], cwd=ROOT, check=True, timeout=300)
    return str(out)


def test_real_maps_are_well_formed(api_set):
    rpcs = descriptors.load(api_set).rpc_names()
    entries, problems = check_shade_coverage.load_maps(shade_env.MAP_DIR)
    for method, (where, entry) in entries.items():
        problems += check_shade_coverage.check_entry(method, where, entry, rpcs)
    assert problems == []


def test_real_map_with_a_wrong_verb_fails(api_set):
    """The review's example: delete_server served by ListServers must fail."""
    rpcs = descriptors.load(api_set).rpc_names()
    entries, _ = check_shade_coverage.load_maps(shade_env.MAP_DIR)
    where, entry = entries["delete_server"]
    wrong = dict(entry, rpcs=["oaktree.v1.ComputeService.ListServers"])
    problems = check_shade_coverage.check_entry("delete_server", where, wrong, rpcs)
    assert any("maps delete_server() to oaktree.v1.ComputeService.ListServers" in p
               for p in problems), problems


def test_a_verb_without_a_rule_fails(api_set):
    rpcs = descriptors.load(api_set).rpc_names()
    problems = check_shade_coverage.check_entry(
        "frobnicate_server", "x.toml", {"rpcs": ["oaktree.v1.ComputeService.GetServer"]}, rpcs)
    assert problems == ["x.toml: [frobnicate_server]: no verb rule for 'frobnicate' methods "
                        "(tools/shade/check_coverage.py VERBS)"]


def test_data_check_fails_when_a_typed_field_is_renamed(tmp_path):
    """Renaming Server.status moves shade's "status" key into `properties`:
    the data check must fail naming it (it used to pass)."""
    import oaktree_testenv as te
    fds = descriptors.load(te.env("OAKTREE_DESCRIPTOR_SET")).fds
    server = next(m for f in fds.file if f.name == "oaktree/v1/compute.proto"
                  for m in f.message_type if m.name == "Server")
    status = next(x for x in server.field if x.name == "status")
    status.name, status.json_name = "state", "state"
    mutated = tmp_path / "renamed.binpb"
    mutated.write_bytes(fds.SerializeToString())
    proc = subprocess.run([sys.executable, "-m", "tools.shade.check_data",
                           "--descriptor-set", str(mutated), "--map-dir", shade_env.MAP_DIR,
                           "--shade-venv", os.path.join(te.env("OAKTREE_BUILDDIR"), "gen",
                                                        "shade-venv")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "key 'status' landed in properties: oaktree.v1.Server has no typed field" \
        in proc.stderr, proc.stderr[-3000:]


# --- shade-data against the real shade (the shade venv of the build) ---------

def shade_venv():
    import oaktree_testenv as te
    return os.path.join(te.env("OAKTREE_BUILDDIR"), "gen", "shade-venv")


def run_introspect_copy(tmp_path, edit=None, placeholders=None):
    """Run a scratch copy of tools/shade/introspect.py (its source changed by
    edit(text) -> text; fixtures/placeholders.json replaced by `placeholders`)
    in the shade venv; return the CompletedProcess."""
    import shutil
    here = os.path.join(ROOT, "tools", "shade")
    copy_dir = tmp_path / "shade-copy"
    shutil.copytree(os.path.join(here, "fixtures"), copy_dir / "fixtures")
    text = open(os.path.join(here, "introspect.py")).read()
    mutated = edit(text) if edit else text
    assert edit is None or mutated != text, "the edit changed nothing"
    (copy_dir / "introspect.py").write_text(mutated)
    if placeholders is not None:
        (copy_dir / "fixtures" / "placeholders.json").write_text(json.dumps(placeholders))
    python = shade_env.ensure_venv(shade_venv())
    return subprocess.run([python, "-P", str(copy_dir / "introspect.py"), "normalize"],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def real_records():
    """shade's real normalize output (introspect.py normalize), run once."""
    return shade_env.run_introspect("normalize", shade_venv())


@pytest.fixture(scope="module")
def real_pool():
    import oaktree_testenv as te
    return descriptors.load(te.env("OAKTREE_DESCRIPTOR_SET")).pool


def data_failures(records, pool, tmp_path):
    import io
    return check_shade_data.check_records(
        records, pool, check_shade_data.excluded_methods(shade_env.MAP_DIR), out=io.StringIO())


def test_real_records_pass_and_exercise_the_network_expansion(real_records, real_pool, tmp_path):
    assert data_failures(real_records, real_pool, tmp_path) == []
    expanded = [r for r in real_records if "expansion" in r]
    assert len(expanded) == 2


def test_strict_shade_never_appends_a_neutron_only_floating_ip(real_records):
    """The documented limit (README, shade-data): a strict cloud's expansion
    finds the internal network but not the floating IP that only Neutron
    knows (shade 1.33 filters strict-normalized IPs by port_id, which strict
    normalization drops); only the non-strict cloud appends it."""
    by_mode = {r["expansion"]["strict"]: r["expansion"] for r in real_records
               if "expansion" in r}
    assert by_mode[True]["added_addresses"] == []
    assert by_mode[True]["set"]["private_v4"] == "198.51.100.3"
    assert by_mode[True]["set"].get("public_v4", "") == ""
    assert [a["addr"] for _, a in by_mode[False]["added_addresses"]] == ["192.0.2.99"]
    assert by_mode[False]["set"]["public_v4"] == "192.0.2.99"


def test_an_offline_cloud_without_networks_fails_the_expansion_rule(tmp_path, real_pool):
    """Fault: the offline cloud answers no Neutron reply (the old behaviour):
    the expansion runs on nothing and the check must say so."""
    proc = run_introspect_copy(tmp_path, lambda t: t.replace(
        "cloud.neutron_replies = neutron_replies or {}", "cloud.neutron_replies = {}"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    failures = data_failures(json.loads(proc.stdout), real_pool, tmp_path)
    for key in ("private_v4", "public_v4", "addresses"):
        assert any("EXPANSION: network expansion not exercised: no expanded record filled "
                   + key in f for f in failures), failures


def test_a_network_field_only_expansion_fills_is_checked(real_records, tmp_path):
    """Fault: Server.private_v4 made a message field. Only the expansion
    fills private_v4 (elsewhere it is "" or None, which a message field takes
    as unset), so without it the mutation passes; with it the check fails."""
    import oaktree_testenv as te
    fds = descriptors.load(te.env("OAKTREE_DESCRIPTOR_SET")).fds
    server = next(m for f in fds.file if f.name == "oaktree/v1/compute.proto"
                  for m in f.message_type if m.name == "Server")
    field = next(x for x in server.field if x.name == "private_v4")
    field.type = field.TYPE_MESSAGE
    field.type_name = ".oaktree.v1.ServerAddress"  # still `optional`
    mutated = tmp_path / "mutated.binpb"
    mutated.write_bytes(fds.SerializeToString())
    pool = descriptors.load(str(mutated)).pool
    failures = data_failures(real_records, pool, tmp_path)
    assert any("private_v4" in f and "missing_fips" in f for f in failures), failures
    unexpanded = [r for r in real_records if "expansion" not in r]
    assert not any("private_v4" in f and "not exercised" not in f
                   for f in data_failures(unexpanded, pool, tmp_path))


def test_each_fixture_patch_is_still_needed(real_records, real_pool, tmp_path):
    """Putting back the value a patch replaced makes the check fail, naming
    it (today there is none: the last one touched only an excluded kind)."""
    patched = [(r, p) for r in real_records for p in r.get("patched", [])]
    with open(check_shade_data.PLACEHOLDERS_JSON) as f:
        patches = json.load(f)["patches"]
    assert {p["key"] for _, p in patched} == set(patches)
    for rec, p in patched:
        reverted = json.loads(json.dumps(real_records))
        target = next(r for r in reverted if r["fixture"] == rec["fixture"])
        assert p["path"] == "." + p["key"]  # the patched paths are top-level keys
        target["data"][p["key"]] = p["was"]
        failures = data_failures(reverted, real_pool, tmp_path)
        assert any(rec["fixture"] in f and repr(p["key"]) in f and repr(p["was"]) in f
                   for f in failures), failures


SPARE_PATCH = {"patches": {"created_at": {"replace": "fake-date", "with": "2017-03-23T23:57:12",
                                          "why": "a test patch"}}}


def test_a_patch_that_replaces_nothing_fails(real_records, tmp_path):
    spec = tmp_path / "placeholders.json"
    spec.write_text(json.dumps(SPARE_PATCH))
    problems = check_shade_data.patch_problems(real_records, str(spec))
    assert len(problems) == 1
    assert "fixture patch 'created_at' ('fake-date' -> '2017-03-23T23:57:12') replaced " \
        "nothing" in problems[0]
    used = json.loads(json.dumps(real_records))
    used[0]["patched"] = [{"key": "created_at", "path": ".created_at", "was": "fake-date",
                           "now": "2017-03-23T23:57:12"}]
    assert check_shade_data.patch_problems(used, str(spec)) == []


def test_a_patch_without_a_reason_is_refused(tmp_path):
    with open(check_shade_data.PLACEHOLDERS_JSON) as f:
        spec = json.load(f)
    spec["patches"] = json.loads(json.dumps(SPARE_PATCH["patches"]))
    del spec["patches"]["created_at"]["why"]
    proc = run_introspect_copy(tmp_path, placeholders=spec)
    assert proc.returncode != 0
    assert "patch 'created_at' says no \"why\"" in proc.stderr, proc.stderr[-2000:]


# --- shade-coverage: each rule shown failing on a scratch copy of the real map --

@pytest.fixture(scope="module")
def real_methods(tmp_path_factory):
    """shade's real method list with signatures and aliases, saved as JSON."""
    path = tmp_path_factory.mktemp("methods") / "methods.json"
    path.write_text(json.dumps(shade_env.run_introspect("methods", shade_venv())))
    return str(path)


def real_coverage(tmp_path, real_methods, api_set, edits=(), table_edit=None):
    """Run shade-coverage on a scratch copy of the real maps (and methods
    table) after `edits`: (file, method, old, new) replacing `old` in that
    method's table. Returns (exit code, stderr)."""
    import shutil
    mdir = tmp_path / "map"
    shutil.copytree(shade_env.MAP_DIR, mdir)
    for name, method, old, new in edits:
        path = mdir / name
        text = path.read_text()
        start = text.index("\n[%s]\n" % method)
        end = text.find("\n[", start + 1)
        end = len(text) if end < 0 else end
        block = text[start:end]
        assert old in block, (method, old)
        path.write_text(text[:start] + block.replace(old, new) + text[end:])
    table = check_shade_coverage.METHODS_TABLE
    if table_edit:
        text = open(table).read()
        mutated = table_edit(text)
        assert mutated != text
        table = tmp_path / "table.md"
        table.write_text(mutated)
    args = ["--descriptor-set", api_set, "--map-dir", str(mdir), "--methods-table", str(table),
            "--shade-methods-json", real_methods]
    import contextlib
    import io
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = check_shade_coverage.main(args)
    return code, err.getvalue()


def test_real_map_passes_every_rule(tmp_path, real_methods, api_set):
    assert real_coverage(tmp_path, real_methods, api_set) == (0, "")


@pytest.mark.parametrize("edits, expected", [
    # PARAMS: delete_server(name_or_id) served by an RPC that cannot name a server
    ([("compute.toml", "delete_server", "ComputeService.DeleteServer",
       "CloudService.DeleteComputeQuotas")],
     "[delete_server]: PARAMS: delete_server() requires 'name_or_id', but "
     "oaktree.v1.DeleteComputeQuotasRequest has no field for it"),
    # RETURNS: a list of servers served by a stream of images
    ([("compute.toml", "list_servers", "ListServers", "ListFlavors")],
     "[list_servers]: RETURNS: list_servers() returns a list of oaktree.v1.Server, but "
     "oaktree.v1.ComputeService.ListFlavors's messages (oaktree.v1.ListFlavorsResponse) "
     "carry no oaktree.v1.Server"),
    # RETURNS: one server served by a stream (a reading verb, so VERBS allows it)
    ([("compute.toml", "get_server", "GetServer", "ListServers")],
     "[get_server]: RETURNS: get_server() returns one oaktree.v1.Server, but "
     "oaktree.v1.ComputeService.ListServers is a server stream (not in CHUNKED)"),
    # RETURNS: one server served by an RPC whose response holds no server
    ([("compute.toml", "get_server", "ComputeService.GetServer", "ImageService.GetImage")],
     "[get_server]: RETURNS: get_server() returns one oaktree.v1.Server, but "
     "oaktree.v1.ImageService.GetImage's response oaktree.v1.GetImageResponse has no "
     "singular oaktree.v1.Server field"),
    # EXCLUDED: free text without a kind, an unknown kind, too little text
    ([("cloud.toml", "pprint", 'excluded = "client-side: ', 'excluded = "')],
     "[pprint]: EXCLUDED: the reason must start with one of alias, client-side, deferred, "
     "operator-only and a colon"),
    ([("cloud.toml", "pprint", 'excluded = "client-side: ', 'excluded = "because: ')],
     "[pprint]: EXCLUDED: the reason must start with one of"),
    ([("cloud.toml", "pformat", "client-side: a Python formatting helper",
       'client-side: helper" #')],
     "[pformat]: EXCLUDED: 'client-side: helper' says too little"),
    # EXCLUDED: an alias naming the wrong method, and a method shade defines itself
    ([("extra.toml", "create_baymodel", "as create_cluster_template()",
       "as delete_cluster_template()")],
     "[create_baymodel]: EXCLUDED: create_baymodel() is an alias of create_cluster_template() "
     "in shade, but the reason names delete_cluster_template()"),
    ([("cloud.toml", "pformat", 'excluded = "client-side: ',
       'excluded = "alias: the same function object as pprint() ')],
     "[pformat]: EXCLUDED: pformat() is excluded as an alias, but shade defines it as its "
     "own function"),
    # TIER: the map disagrees with the methods table
    ([("compute.toml", "create_server", "tier = 1", "tier = 2")],
     "[create_server]: TIER: the map says tier 2, the methods table (row of create_server()) "
     "says 1"),
])
def test_each_coverage_rule_fails_on_a_mutated_map(tmp_path, real_methods, api_set,
                                                   edits, expected):
    code, err = real_coverage(tmp_path, real_methods, api_set, edits)
    assert code == 1
    assert expected in err, err


def test_tiers_come_from_the_table(tmp_path, real_methods, api_set):
    """Fault in the table, map untouched: create_server loses its nodepool
    column, so the map's tier 1 now disagrees with it."""
    code, err = real_coverage(tmp_path, real_methods, api_set, table_edit=lambda t: re.sub(
        r"(\| `create_server\(.*?\)` \| create \| )[^|]*\|", r"\1 |", t))
    assert code == 1
    assert "[create_server]: TIER: the map says tier 1, the methods table (row of " \
        "create_server()) says 2" in err, err


def test_an_alias_that_serves_nothing_fails(tmp_path, real_methods, api_set, monkeypatch):
    monkeypatch.setitem(check_shade_coverage.PARAM_ALIASES, ("flavor", "frobnicate_flavor"),
                        (["name_or_id"], "a test alias"))
    code, err = real_coverage(tmp_path, real_methods, api_set)
    assert code == 1
    assert "PARAMS: PARAM_ALIASES entry ('flavor', 'frobnicate_flavor') serves no mapping" in err


def test_an_alias_is_what_lets_a_renamed_parameter_pass(tmp_path, real_methods, api_set,
                                                        monkeypatch):
    """Without its alias, rebuild_server(image_id) -> RebuildServerRequest.image fails."""
    monkeypatch.delitem(check_shade_coverage.PARAM_ALIASES, ("image_id", "rebuild_server"))
    code, err = real_coverage(tmp_path, real_methods, api_set)
    assert code == 1
    assert "[rebuild_server]: PARAMS: rebuild_server() requires 'image_id'" in err, err


def test_each_literal_placeholder_is_still_needed(tmp_path, real_records, real_pool):
    """Fault: _literal puts in no placeholder (raises instead). Exactly the
    records that carry placeholders can no longer be read, and the check
    names each: every placeholder is needed to read its mocked reply."""
    proc = run_introspect_copy(tmp_path, lambda t: t.replace(
        "        _PUT.append({\"expr\": text, \"value\": value})\n",
        "        raise ValueError(\"no placeholder for %s\" % text)\n"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    failures = data_failures(json.loads(proc.stdout), real_pool, tmp_path)
    with_placeholders = {r["fixture"] for r in real_records if r.get("placeholders")}
    assert with_placeholders  # compute_usage, object_container, object today
    failed = {f.split(" (", 1)[1].rsplit("): shade failed", 1)[0] for f in failures
              if "shade failed on its fixture: ValueError: no placeholder" in f}
    assert failed == with_placeholders, failures
