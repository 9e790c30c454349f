# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""The interop matrix: every client against every server, for every language
of tests/languages.txt and every case of tests/interop/README.rst. Each test
id names the pair and the case, e.g. golang-server/cpp-client/cancel, and a
failure carries the client's first difference."""

import json
import os
import subprocess
import sys

import pytest

import oaktree_testenv as te
from conftest import TOKEN, interop_cases

CASES = interop_cases()
LANGUAGES = te.languages()
CLIENT_TIMEOUT = 300  # s for all cases of one pair; measured well under 60 s
_results = {}  # (server, client) -> ({case: result line}, exit status, what the client said)
_abuse = {}    # server -> (exit status or None, its JSON lines, stderr)
ABUSE_TIMEOUT = 300  # s; measured 3-8 s per server


# The servers whose deadline case may need more than one attempt, and why: a
# grpc-go or grpc-java server resets the stream when its copy of the deadline
# expires, and a client reports that as CANCELLED when it beats its own timer
# (C-core clients about 1 call in 10, a Rust client once in a CI run;
# tests/interop/README.rst, the deadline row). Any other retry is a failure.
RETRY_SERVERS = ("golang", "java")


def abuse(servers, server):
    """Runs tests/interop/abuse.py once against a server, before its first
    pair: every pair after it proves the server still serves correctly."""
    if server not in _abuse:
        env = dict(os.environ, PYTHONPATH=os.path.join(te.env("OAKTREE_BUILDDIR"), "gen", "pypkg"))
        argv = [sys.executable, os.path.join(te.TESTS, "interop", "abuse.py"),
                "--target", servers.get(server).target, "--token", TOKEN]
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=ABUSE_TIMEOUT, env=env)
            _abuse[server] = (p.returncode, p.stdout, p.stderr[-2000:])
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode("utf-8", "replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            _abuse[server] = (None, out, "killed after %d s" % ABUSE_TIMEOUT)
    return _abuse[server]


def run_client(servers, tls_dir, server, client):
    """Runs the client once per pair with every case; later cases (and a
    hung client's timeout) come from the cache."""
    key = (server, client)
    if key not in _results:
        abuse(servers, server)
        s = servers.get(server)
        argv = [te.program(client, "interop-client"), "--target", s.target,
                "--token", TOKEN, "--cases", ",".join(CASES), "--tls-dir", tls_dir,
                "--tls-target", s.tls_target, "--mtls-target", s.mtls_target]
        _results[key] = run_cases(argv, CLIENT_TIMEOUT)
    return _results[key]


def run_cases(argv, timeout):
    """Runs one client process: ({case: its JSON line}, exit status or None
    when it was killed, what it said). A hung client is killed after
    `timeout` and its partial output kept."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        out, err, rc, status = p.stdout, p.stderr, p.returncode, "exit %d" % p.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        rc, status = None, "killed after %d s" % timeout
    lines = {}
    for line in out.splitlines():
        try:
            r = json.loads(line)
            lines[r["case"]] = r
        except (ValueError, KeyError, TypeError):
            pass
    return lines, rc, "%s; stderr: %s" % (status, err[-1500:])


@pytest.mark.parametrize("server,client,case", [
    pytest.param(s, c, case, id="%s-server/%s-client/%s" % (s, c, case))
    for s in LANGUAGES for c in LANGUAGES for case in CASES])
def test_pair(servers, tls_dir, server, client, case):
    lines, rc, output = run_client(servers, tls_dir, server, client)
    pair = "%s-server/%s-client/%s" % (server, client, case)
    assert case in lines, "%s: client reported no result for this case (%s)" % (pair, output)
    assert lines[case]["ok"], "%s: %s" % (pair, lines[case].get("error"))
    if case == "deadline":
        attempts = lines[case].get("attempts")
        assert isinstance(attempts, int) and attempts >= 1, \
            "%s: the client did not report its attempts (%r)" % (pair, attempts)
        assert attempts == 1 or server in RETRY_SERVERS, \
            "%s: %d attempts, but only clients of a server that resets the stream at its " \
            "own deadline (%s) may retry" % (pair, attempts, ", ".join(RETRY_SERVERS))
    all_ok = all(r["ok"] for r in lines.values())
    assert rc == (0 if all_ok else 1), \
        "%s: every case ok=%s but the client's %s" % (pair, all_ok, output)


# Asks a server who it is, so the matrix knows which server answered.
PROBE = """import sys, grpc
from oaktreemodel.v1 import compute_pb2, compute_pb2_grpc
with grpc.insecure_channel(sys.argv[1]) as ch:
    reply = compute_pb2_grpc.ComputeServiceStub(ch).GetServer(
        compute_pb2.GetServerRequest(name_or_id="server-42"),
        metadata=[("authorization", "Bearer " + sys.argv[2])], timeout=30)
print(reply.server.metadata["server-language"])
"""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_server_says_which_language_answers(servers, lang):
    env = dict(os.environ, PYTHONPATH=os.path.join(te.env("OAKTREE_BUILDDIR"), "gen", "pypkg"))
    p = subprocess.run([sys.executable, "-c", PROBE, servers.get(lang).target, TOKEN],
                       capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip() == lang, "the %s server answered as %r" % (lang, p.stdout.strip())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_server_survives_abuse(servers, lang):
    """Garbage frames, 1,000 cancelled streams and killed uploads
    (tests/interop/abuse.py) were all delivered, and the server still runs;
    that it still answers correctly is what every later pair shows."""
    rc, out, err = abuse(servers, lang)
    steps = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [s["step"] for s in steps] == ["garbage", "cancel-streams", "disconnect-upload"], \
        "abuse of the %s server stopped early (exit %s): %s %s" % (lang, rc, out[-1500:], err)
    bad = [s for s in steps if not s["ok"]]
    assert rc == 0 and not bad, "abuse of the %s server: %s %s" % (lang, bad or out, err)
    assert servers.get(lang).proc.poll() is None, \
        "the %s server died after the abuse: %s" % (lang, servers.get(lang).tail())
    te.summary("%s server survived abuse: %s" % (lang, "; ".join(s["detail"] for s in steps)))


# --- the harness catches what it claims to (mutations) --------------------------

def test_a_hung_client_fails_fast_with_its_partial_output():
    lines, rc, said = run_cases(["sh", "-c", 'echo \'{"case": "unary", "ok": true}\'; sleep 60'],
                                timeout=2)
    assert rc is None and "killed after 2 s" in said
    assert lines == {"unary": {"case": "unary", "ok": True}}


def mutated_python_program(tmp_path, name, old, new):
    """A copy of python/interop/<name>.py with one fault injected."""
    src = os.path.join(te.env("OAKTREE_SRCDIR"), "python", "interop", name + ".py")
    with open(src, encoding="utf-8") as f:
        text = f.read()
    assert old in text, "%s no longer contains %r" % (name, old)
    path = tmp_path / (name + ".py")
    path.write_text(text.replace(old, new))
    return [sys.executable, str(path)]


def python_env():
    return dict(os.environ, PYTHONPATH=os.path.join(te.env("OAKTREE_BUILDDIR"), "gen", "pypkg"))


def test_a_client_without_a_deadline_fails_the_deadline_case(servers, tmp_path):
    argv = mutated_python_program(tmp_path, "client", "timeout=0.3)", "timeout=30)")
    p = subprocess.run(argv + ["--target", servers.get("python").target, "--token", TOKEN,
                               "--cases", "deadline"],
                       capture_output=True, text=True, timeout=120, env=python_env())
    line = json.loads(p.stdout.splitlines()[0])
    assert p.returncode == 1 and not line["ok"], p.stdout
    assert "expected status DEADLINE_EXCEEDED, got OK" in line["error"], line


def test_a_server_answering_as_another_language_is_caught(tmp_path):
    argv = mutated_python_program(tmp_path, "server", '"server-language": "python"',
                                  '"server-language": "golang"')
    proc = subprocess.Popen(argv + ["--token", TOKEN], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=python_env())
    try:
        port = proc.stdout.readline().strip()[len("PORT="):]
        p = subprocess.run([sys.executable, "-c", PROBE, "127.0.0.1:" + port, TOKEN],
                           capture_output=True, text=True, timeout=60, env=python_env())
    finally:
        proc.kill()
        proc.wait()
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip() == "golang" != "python", \
        "the probe did not see the impostor: %r" % p.stdout
