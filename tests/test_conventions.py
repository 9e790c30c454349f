"""The conventions check fails, naming the element, on each kind of break it
claims to catch: a proto edited by hand and compiled by protoc, and
descriptor edits for every rule (tools/verify/check_conventions.py)."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from tools import descriptors
from tools.descriptors import comments


def check(path):
    return subprocess.run([sys.executable, "-m", "tools.verify.check_conventions",
                           "--descriptor-set", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_the_api_follows_its_conventions(descriptor_set):
    proc = check(descriptor_set)
    assert proc.returncode == 0, proc.stderr
    assert "check_conventions: OK" in proc.stdout


def test_a_proto_without_a_request_id_fails(tmp_path, srcdir):
    """The real path: a .proto loses CreateVolumeRequest.request_id, protoc builds it."""
    tree = tmp_path / "protos"
    shutil.copytree(os.path.join(srcdir, "oaktree"), tree / "oaktree")
    proto = tree / "oaktree" / "v1" / "block_storage.proto"
    proto.chmod(0o644)  # distcheck's source tree is read-only, and copytree keeps modes
    text = proto.read_text()
    start = text.index("message CreateVolumeRequest {")
    body_end = text.index("\n}\n", start)
    body = text[start:body_end]
    cut = re.sub(r"\n(  //[^\n]*\n)*  string request_id = \d+;", "", body)
    assert cut != body, "CreateVolumeRequest has no request_id line to remove"
    proto.write_text(text[:start] + cut + text[body_end:])
    out = tmp_path / "broken.binpb"
    protos = sorted(str(p.relative_to(tree)) for p in (tree / "oaktree" / "v1").glob("*.proto"))
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", str(tree),
                    "--include_imports", "--include_source_info", "-o", str(out), *protos],
                   check=True, timeout=120)
    proc = check(out)
    assert proc.returncode == 1, proc.stdout
    assert "rpc BlockStorageService.CreateVolume creates but CreateVolumeRequest has no " \
           "string request_id" in proc.stderr


def message(fds, name):
    return next((f, m) for f in fds.file for m in f.message_type if m.name == name)


def drop_last_field(fds, msg, field):
    _, m = message(fds, msg)
    assert m.field[-1].name == field, "%s's last field is %s" % (msg, m.field[-1].name)
    del m.field[-1]


def add_field(fds, msg, name, type_, number=900):
    _, m = message(fds, msg)
    f = m.field.add(name=name, number=number, type=type_, label=1, json_name=name)
    return f


def set_rpc_comment(fds, rpc, edit):
    for f in fds.file:
        for i, s in enumerate(f.service):
            for j, m in enumerate(s.method):
                if m.name == rpc:
                    for loc in f.source_code_info.location:
                        if tuple(loc.path) == (6, i, 2, j):
                            loc.leading_comments = edit(loc.leading_comments)
                            return
    raise AssertionError("no comment for rpc " + rpc)


MUTATIONS = {
    "reasons line missing": (
        lambda fds: set_rpc_comment(fds, "GetServer", lambda c: re.sub(r" Reasons:[^\n]*\n", "\n", c)),
        "rpc ComputeService.GetServer: needs one 'Reasons:' line, has 0"),
    "unknown reason": (
        lambda fds: set_rpc_comment(fds, "GetImage", lambda c: c.replace(
            "Reasons: RESOURCE_NOT_FOUND", "Reasons: IMAGE_GONE, RESOURCE_NOT_FOUND")),
        "rpc ImageService.GetImage names unknown reason IMAGE_GONE"),
    "reason named nowhere": (
        lambda fds: next(e for f in fds.file for e in f.enum_type if e.name == "ErrorReason")
        .value.add(name="ERROR_REASON_NEVER_SENT", number=900),
        "ErrorReason ERROR_REASON_NEVER_SENT is not named by any service or RPC"),
    "creating call without request_id": (
        lambda fds: drop_last_field(fds, "CreateNetworkRequest", "request_id"),
        "rpc NetworkService.CreateNetwork creates but CreateNetworkRequest has no string request_id"),
    "upload without request_id": (
        lambda fds: drop_last_field(fds, "ImageUploadMetadata", "request_id"),
        "rpc ImageService.UploadImage creates but ImageUploadMetadata has no string request_id"),
    "resource without resource_name": (
        lambda fds: drop_last_field(fds, "Stack", "resource_name"),
        "resource Stack has no string resource_name"),
    "update with an unmarked extra field": (
        lambda fds: add_field(fds, "UpdateServerRequest", "name", 9),
        "UpdateServerRequest.name is neither the resource, its mask nor a field marked"),
    "update without the resource's etag": (
        lambda fds: drop_last_field(fds, "UpdatePortRequest", "etag"),
        "Port has an etag but UpdatePortRequest lacks it"),
    "list without scope outcomes": (
        lambda fds: drop_last_field(fds, "ListImagesResponse", "scope_outcome"),
        "ListImagesResponse must be oneof item { <item>; ScopeOutcome scope_outcome; }"),
    "watch with its own timeout": (
        lambda fds: add_field(fds, "WatchVolumeRequest", "timeout", 9),
        "WatchVolumeRequest has a timeout; a watch ends by the caller's deadline"),
    "scope watch without deletions": (
        lambda fds: drop_last_field(fds, "WatchServersResponse", "scope_outcome"),
        "WatchServersResponse must be oneof item { added; modified; deleted; scope_outcome; }"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_each_rule_fails_on_its_break(tmp_path, descriptor_set, mutation):
    mutate, expected = MUTATIONS[mutation]
    fds = descriptors.load(descriptor_set).fds
    mutate(fds)
    path = tmp_path / "mutated.binpb"
    path.write_bytes(fds.SerializeToString())
    proc = check(path)
    assert proc.returncode == 1, "the check passed with %r:\n%s" % (mutation, proc.stdout)
    assert expected in proc.stderr, proc.stderr
