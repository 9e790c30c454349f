"""The CMake package of the C++ library (tools/generate/cmake_config.py): its
paths are relative to its own folder when libdir and includedir are under the
prefix (so DESTDIR staging and moved trees work), absolute otherwise; the
library's names come from libtool's .la; the version file accepts what the
release policy promises and refuses the rest. (cpp/checks/consumer builds a
real client with it.)"""

import os
import shutil
import subprocess
import sys

import pytest

LA_SHARED = ("dlname='liboaktreemodel-0.1.so.0'\n"
             "library_names='liboaktreemodel-0.1.so.0.0.0 liboaktreemodel-0.1.so.0 liboaktreemodel.so'\n"
             "old_library=''\n")
LA_STATIC = "dlname=''\nlibrary_names=''\nold_library='liboaktreemodel.a'\n"


def write(tmp_path, srcdir, la, prefix="/usr", libdir="/usr/lib/x86_64-linux-gnu",
          includedir="/usr/include", version="0.1.0"):
    (tmp_path / "lib.la").write_text(la)
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "tools.generate.cmake_config", "--prefix", prefix,
                    "--libdir", libdir, "--includedir", includedir, "--version", version,
                    "--la", str(tmp_path / "lib.la"), "--out", str(out)],
                   check=True, env=dict(os.environ, PYTHONPATH=srcdir), timeout=300)
    return ((out / "oaktreemodelConfig.cmake").read_text(),
            (out / "oaktreemodelConfigVersion.cmake").read_text(), out)


def test_relocatable_paths_from_the_files_own_folder(tmp_path, srcdir):
    config, _, _ = write(tmp_path, srcdir, LA_SHARED)
    # lib/x86_64-linux-gnu/cmake/oaktreemodel -> four levels up is the prefix
    assert '"${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE' in config
    assert 'set(oaktreemodel_LIBRARY "${_oaktreemodel_prefix}/lib/x86_64-linux-gnu/liboaktreemodel-0.1.so.0.0.0")' in config
    assert 'set(oaktreemodel_INCLUDE_DIR "${_oaktreemodel_prefix}/include")' in config
    assert 'IMPORTED_SONAME "liboaktreemodel-0.1.so.0"' in config
    assert "add_library(oaktreemodel::oaktreemodel SHARED IMPORTED)" in config
    assert "/usr" not in config.replace("/usr/include", "")  # no absolute install path


def test_absolute_paths_when_outside_the_prefix_and_static_library(tmp_path, srcdir):
    config, _, _ = write(tmp_path, srcdir, LA_STATIC, prefix="/opt/o", libdir="/srv/lib")
    assert 'set(oaktreemodel_LIBRARY "/srv/lib/liboaktreemodel.a")' in config
    assert "add_library(oaktreemodel::oaktreemodel STATIC IMPORTED)" in config
    assert "IMPORTED_SONAME" not in config


@pytest.mark.parametrize("version,requests", [
    ("0.1.3", {"": True, "0.1": True, "0.1.3": True, "0.1.2": True, "0.1.4": False,
               "0.2": False, "0.0.9": False, "1.0": False, "0.1...0.3": True, "0.2...0.3": False}),
    ("1.4.0", {"1.0": True, "1.4": True, "1.5": False, "2.0": False, "0.9": False}),
])
def test_version_file_follows_the_release_policy(tmp_path, srcdir, version, requests):
    cmake = shutil.which("cmake")
    if not cmake:
        pytest.skip("cmake not found (Debian: apt-get install cmake)")
    _, _, out = write(tmp_path, srcdir, LA_SHARED, version=version)
    for request, want in requests.items():
        script = tmp_path / "probe.cmake"
        lines = []
        if "..." in request:
            lo, hi = request.split("...")
            lines += [f'set(PACKAGE_FIND_VERSION_RANGE "{request}")',
                      'set(PACKAGE_FIND_VERSION_RANGE_MAX "INCLUDE")',
                      f'set(PACKAGE_FIND_VERSION_MIN "{lo}")', f'set(PACKAGE_FIND_VERSION_MAX "{hi}")',
                      f'set(PACKAGE_FIND_VERSION_MIN_MAJOR "{lo.split(".")[0]}")',
                      f'set(PACKAGE_FIND_VERSION_MIN_MINOR "{lo.split(".")[1]}")',
                      f'set(PACKAGE_FIND_VERSION "{lo}")']
        elif request:
            parts = request.split(".") + ["0"]
            lines += [f'set(PACKAGE_FIND_VERSION "{request}")',
                      f'set(PACKAGE_FIND_VERSION_MAJOR "{parts[0]}")',
                      f'set(PACKAGE_FIND_VERSION_MINOR "{parts[1]}")']
        lines += [f'include("{out}/oaktreemodelConfigVersion.cmake")',
                  'message("COMPATIBLE=${PACKAGE_VERSION_COMPATIBLE}")']
        script.write_text("\n".join(lines) + "\n")
        proc = subprocess.run([cmake, "-P", str(script)], capture_output=True, text=True, timeout=60)
        got = "COMPATIBLE=TRUE" in proc.stderr
        assert got == want, f"{version} for request {request!r}: {proc.stderr}"
