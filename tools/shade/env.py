"""Run code against the real shade 1.33.0 without importing it here.

Why a separate virtualenv: shade 1.33.0 needs an old-style dependency set
(munch, six, netifaces, requestsexceptions, openstacksdk...) and a small
Python 3.11 shim, while the checks themselves need the build's protobuf.
Mixing the two in one interpreter would make the checks depend on whatever
shade drags in. So the checks (this process) never ``import shade``; they ask
``<venv>/bin/python -P tools/shade/introspect.py <command>`` for JSON instead
(run by path, not as part of the tools package; ``-P`` keeps this folder off
the venv's import path, so no module here can shadow one of shade's).

The venv is created once with ``pip install -r tools/shade/requirements.txt``
and reused while a marker file inside it records the same hash of that
requirements file (and of the Python version); a changed pin rebuilds it.
pip installing those pinned packages is the only network access of the checks.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
REQUIREMENTS = os.path.join(HERE, "requirements.txt")
INTROSPECT = os.path.join(HERE, "introspect.py")
MAP_DIR = os.path.join(HERE, "map")
DEFAULT_VENV = os.path.join("gen", "shade-venv")
MARKER = "oaktree-shade-requirements.sha256"


class ShadeEnvError(Exception):
    """The shade venv could not be built or the introspection script failed."""


def add_argument(parser):
    """Add the shared ``--shade-venv`` option to an argparse parser."""
    parser.add_argument(
        "--shade-venv", default=DEFAULT_VENV,
        help="virtualenv holding the pinned shade (created if missing or "
             "stale; default: %(default)s, relative to the current directory)")


def _requirements_hash(requirements):
    """Hash of the pins (comments and blank lines ignored) and the Python version."""
    digest = hashlib.sha256()
    with open(requirements) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                digest.update(line.encode() + b"\n")
    digest.update(("python %d.%d" % sys.version_info[:2]).encode())
    return digest.hexdigest()


def venv_python(venv_dir):
    return os.path.join(venv_dir, "bin", "python")


def _is_current(venv_dir, wanted):
    try:
        with open(os.path.join(venv_dir, MARKER)) as f:
            return f.read().strip() == wanted and os.access(venv_python(venv_dir), os.X_OK)
    except OSError:
        return False


def ensure_venv(venv_dir=DEFAULT_VENV, requirements=REQUIREMENTS, log=sys.stderr):
    """Return the venv's python, creating or refreshing the venv if needed.

    A lock file beside the venv serializes builders, so ``make -j`` running
    both shade checks at once builds the venv once and neither sees it half made.
    """
    venv_dir = os.path.abspath(venv_dir)
    wanted = _requirements_hash(requirements)
    if _is_current(venv_dir, wanted):
        return venv_python(venv_dir)
    os.makedirs(os.path.dirname(venv_dir), exist_ok=True)
    with open(venv_dir + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _is_current(venv_dir, wanted):  # another process may have built it
            _build(venv_dir, requirements, wanted, log)
    return venv_python(venv_dir)


def _build(venv_dir, requirements, wanted, log):
    print("tools.shade.env: building %s from %s (one-off; needs PyPI)"
          % (venv_dir, os.path.relpath(requirements)), file=log)
    if os.path.exists(venv_dir):
        shutil.rmtree(venv_dir)
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ShadeEnvError("cannot create a virtualenv at %s with %s: %s (on Debian "
                            "install python3-venv)" % (venv_dir, sys.executable, exc))
    python = venv_python(venv_dir)
    cmd = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
           "-r", requirements]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise ShadeEnvError("pip install -r %s failed (rc %d):\n%s"
                            % (requirements, proc.returncode, proc.stdout[-4000:]))
    # Written last: an interrupted build leaves no marker and is redone.
    with open(os.path.join(venv_dir, MARKER), "w") as f:
        f.write(wanted + "\n")


def run_introspect(command, venv_dir=DEFAULT_VENV, args=()):
    """Run ``introspect.py <command> [args]`` in the venv; return its JSON."""
    python = ensure_venv(venv_dir)
    proc = subprocess.run([python, "-P", INTROSPECT, command, *args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    if proc.returncode != 0:
        raise ShadeEnvError("introspect.py %s failed (rc %d):\n%s"
                            % (command, proc.returncode, proc.stderr[-4000:]))
    try:
        return json.loads(proc.stdout)
    except ValueError as exc:
        raise ShadeEnvError("introspect.py %s printed no JSON (%s): %r"
                            % (command, exc, proc.stdout[:500]))
