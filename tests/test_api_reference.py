"""The HTML API reference: written deterministically and only where bytes
change (tools/generate/api_reference.py), and its checker
(tools/verify/check_api_reference.py) fails, naming the culprit, on a scratch
copy with a missing comment or anchor, and, in the browser, with broken links
and an element that is not rendered."""

import os
import shutil
import subprocess

import pytest

from tools import descriptors
from tools.generate import api_reference

COMPUTE = "oaktree.v1.compute.html"


def generate(descriptor_set, out, *extra):
    return api_reference.main(["--descriptor-set", str(descriptor_set), "--out", str(out), *extra])


def snapshot(folder):
    out = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        with open(path, "rb") as f:
            out[name] = (f.read(), os.stat(path).st_mtime_ns)
    return out


def check(python, srcdir, descriptor_set, folder, *extra):
    return subprocess.run(
        [python, "-m", "tools.verify.check_api_reference", "--descriptor-set", str(descriptor_set),
         "--reference", str(folder), *extra],
        env=dict(os.environ, PYTHONPATH=srcdir, PYTHONDONTWRITEBYTECODE="1"),
        capture_output=True, text=True, timeout=600)


def problems(proc):
    return sorted(line[4:] for line in proc.stderr.splitlines() if line.startswith("  - "))


def edit(path, old, new):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert old in text, f"{old!r} is not in {path}"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, 1))


def test_same_set_same_bytes_and_only_changed_pages_rewritten(tmp_path, descriptor_set):
    out, stamp = tmp_path / "reference", tmp_path / "reference.stamp"
    assert generate(descriptor_set, out, "--stamp", str(stamp)) == 0
    assert stamp.exists()
    first = snapshot(out)
    assert "index.html" in first and COMPUTE in first
    (out / "oaktree.v1.gone.html").write_text("a page of a removed .proto")
    for name in first:
        os.utime(out / name, ns=(10**18, 10**18))

    # The same set: nothing rewritten (mtimes kept), the stale page removed.
    assert generate(descriptor_set, out) == 0
    again = snapshot(out)
    assert sorted(again) == sorted(first)
    assert all(again[n] == (first[n][0], 10**18) for n in first), "an unchanged page was rewritten"
    # A fresh folder gets the same bytes.
    assert generate(descriptor_set, tmp_path / "fresh") == 0
    assert {n: v[0] for n, v in snapshot(tmp_path / "fresh").items()} == \
        {n: v[0] for n, v in first.items()}

    # One message comment of compute.proto changed: only its page is rewritten.
    ds = descriptors.load(descriptor_set)
    compute = next(f for f in ds.ours() if f.name == "oaktree/v1/compute.proto")
    loc = next(loc for loc in compute.source_code_info.location if list(loc.path) == [4, 0])
    loc.leading_comments = " Server is changed by the test.\n"
    edited = tmp_path / "edited.binpb"
    edited.write_bytes(ds.serialize())
    assert generate(edited, out) == 0
    after = snapshot(out)
    changed = sorted(n for n in after if after[n] != again[n])
    assert changed == [COMPUTE]
    assert b"Server is changed by the test." in after[COMPUTE][0]


def test_a_stale_page_list_in_the_makefile_is_an_error(tmp_path, descriptor_set, capsys):
    out = tmp_path / "reference"
    pages = " ".join(str(out / n) for n in ("index.html", COMPUTE))
    assert generate(descriptor_set, out, "--expect", pages) == 1
    assert "listed: ['oaktree.v1.block_storage.html'" in capsys.readouterr().err


def test_structure_check_names_a_missing_anchor_and_a_wrong_comment(
        tmp_path, python, srcdir, descriptor_set):
    out = tmp_path / "reference"
    assert generate(descriptor_set, out) == 0
    assert check(python, srcdir, descriptor_set, out, "--no-browser").returncode == 0
    edit(out / COMPUTE, 'id="oaktree.v1.Server.location"', 'id="oaktree.v1.Server.locaton"')
    edit(out / "oaktree.v1.common.html", "<p>Location says where",
         "<p>Location says nothing about where")
    proc = check(python, srcdir, descriptor_set, out, "--no-browser")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = problems(proc)
    assert len(found) == 2, found
    assert found[0].startswith("oaktree.v1.common.html: message oaktree.v1.Location shows comment "
                               "'Location says nothing about where"), found
    assert found[1] == ("oaktree.v1.compute.html: field oaktree.v1.Server.location has no element "
                        "with id='oaktree.v1.Server.location'"), found


def test_browser_check_names_each_broken_link_and_unrendered_element(
        tmp_path, python, srcdir, descriptor_set):
    if not shutil.which("chromium"):
        pytest.skip("chromium is not installed (Debian package chromium; bindep.txt)")
    out = tmp_path / "reference"
    assert generate(descriptor_set, out) == 0
    # An anchor on another page, one on the same page, a page that does not
    # exist, and an RPC that is in the DOM but not rendered.
    edit(out / COMPUTE, 'href="oaktree.v1.common.html#oaktree.v1.Location"',
         'href="oaktree.v1.common.html#oaktree.v1.Locaton"')
    edit(out / COMPUTE, 'href="#oaktree.v1.ServerStatus"', 'href="#oaktree.v1.ServerState"')
    edit(out / "index.html", 'href="oaktree.v1.dns.html"', 'href="oaktree.v1.dnss.html"')
    edit(out / COMPUTE, '<section class="rpc" id="oaktree.v1.ComputeService.GetServer">',
         '<section class="rpc" id="oaktree.v1.ComputeService.GetServer" style="display:none">')
    proc = check(python, srcdir, descriptor_set, out)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "11 pages loaded" in proc.stdout, proc.stdout
    assert problems(proc) == [
        "index.html: broken link 'oaktree.v1.dnss.html': no page oaktree.v1.dnss.html",
        "oaktree.v1.compute.html: broken link '#oaktree.v1.ServerState': "
        "no id 'oaktree.v1.ServerState' on oaktree.v1.compute.html",
        "oaktree.v1.compute.html: broken link 'oaktree.v1.common.html#oaktree.v1.Locaton': "
        "no id 'oaktree.v1.Locaton' on oaktree.v1.common.html",
        "oaktree.v1.compute.html: rpc oaktree.v1.ComputeService.GetServer "
        "(#oaktree.v1.ComputeService.GetServer) is not rendered",
    ], proc.stderr
