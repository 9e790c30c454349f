"""Rules for the test suite itself, checked on its own source."""

import ast
import glob
import os

import oaktree_testenv as te

BLOCKING = ("run", "check_output", "check_call", "call")


def test_every_subprocess_call_has_a_timeout():
    """A hung tool must fail its test with the partial output, not stall make
    check until pytest-timeout's ceiling: every blocking subprocess call in
    tests/*.py passes timeout= (long-lived servers use Popen and are stopped
    by their fixture)."""
    missing = []
    for path in sorted(glob.glob(os.path.join(te.TESTS, "*.py"))):
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "subprocess"
                    and node.func.attr in BLOCKING
                    and not any(k.arg == "timeout" for k in node.keywords)):
                missing.append("%s:%d" % (os.path.basename(path), node.lineno))
    assert not missing, "subprocess calls without a timeout: %s" % ", ".join(missing)
