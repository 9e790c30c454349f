# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""The 3x3 interop matrix: every client (Go, C++, Python) against every server.
Each test id names the pair and the case, e.g. go-server/cpp-client/cancel, and
a failure message carries the client's first difference."""

import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # our helpers

from interop_programs import LANGUAGES, TOKEN, programs, servers  # noqa: F401 (fixtures)

CASES = ["unary", "auth", "not-found", "deadline", "server-stream", "client-stream",
         "upload-corrupt", "download", "cancel"]
_results = {}  # (server, client) -> ({case: result line}, client output)


def run_client(programs, servers, server, client):  # noqa: F811
    """Runs the client once with --case all; later cases read the cache."""
    key = (server, client)
    if key not in _results:
        target = servers.get(server).target
        _, argv, env = programs.commands(client)
        p = subprocess.run(argv + ["--target", target, "--token", TOKEN, "--case", "all"],
                           env=env, capture_output=True, text=True, timeout=600)
        lines = {}
        for line in p.stdout.splitlines():
            try:
                r = json.loads(line)
                lines[r["case"]] = r
            except (ValueError, KeyError, TypeError):
                pass
        _results[key] = (lines, "exit %d; stderr: %s" % (p.returncode, p.stderr[-1500:]))
    return _results[key]


@pytest.mark.parametrize("server,client,case", [
    pytest.param(s, c, case, id="%s-server/%s-client/%s" % (s, c, case))
    for s in LANGUAGES for c in LANGUAGES for case in CASES])
def test_pair(programs, servers, server, client, case):  # noqa: F811
    lines, output = run_client(programs, servers, server, client)
    pair = "%s-server/%s-client/%s" % (server, client, case)
    assert case in lines, "%s: client reported no result for this case (%s)" % (pair, output)
    assert lines[case]["ok"], "%s: %s" % (pair, lines[case].get("error"))
