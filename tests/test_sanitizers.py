# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""configure --enable-sanitizers (cpp/README.rst): the C++ test programs are
built with AddressSanitizer and UndefinedBehaviorSanitizer, so every vector,
differential and hostile input they read is checked for memory errors and
undefined behaviour. Shown, not assumed: the programs carry the sanitizer
runtime, and code built with the same flags by the same compiler dies on a
planted fault, naming it. (The main make check only: distcheck's configure
does not switch them on.)"""

import os
import subprocess

import pytest

import oaktree_testenv as te

FAULTS = {
    "heap-buffer-overflow": "#include <cstdlib>\nint main(int c, char**) {"
                            " char* p = (char*)std::malloc(8); int r = p[8 + c - 1]; std::free(p); return r; }\n",
    "signed integer overflow": "#include <climits>\nint main(int c, char**) {"
                               " volatile int x = INT_MAX; int y = x + c; return y == 0; }\n",
}


def flags():
    value = os.environ.get("OAKTREE_SANITIZE_FLAGS")
    if value is None:
        pytest.fail("OAKTREE_SANITIZE_FLAGS is not set: cpp/include.am must export it")
    if not value:
        pytest.skip("configure ran without --enable-sanitizers (./setup.sh passes it)")
    return value.split()


@pytest.mark.parametrize("program", ["vector-check", "interop-server", "interop-client"])
def test_cpp_test_program_carries_the_sanitizers(program):
    flags()
    p = subprocess.run([te.program("cpp", program), "--help"], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, ASAN_OPTIONS="help=1"))
    assert "Available flags for AddressSanitizer" in p.stdout + p.stderr, (p.stdout + p.stderr)[-2000:]


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_the_flags_catch_a_planted_fault(fault, tmp_path):
    src, exe = tmp_path / "fault.cc", tmp_path / "fault"
    src.write_text(FAULTS[fault], encoding="utf-8")
    subprocess.run([te.env("OAKTREE_CXX"), *flags(), "-o", str(exe), str(src)], check=True, timeout=300)
    p = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and fault in p.stderr, "%s not reported: exit %d, %s" % (
        fault, p.returncode, p.stderr[-2000:])
