"""Write the CMake package of liboaktreemodel: oaktreemodelConfig.cmake and
oaktreemodelConfigVersion.cmake, installed in $(libdir)/cmake/oaktreemodel/ so
that `find_package(oaktreemodel CONFIG REQUIRED)` gives the imported target
oaktreemodel::oaktreemodel.

Relocatable: the files locate the install prefix from their own folder
(CMAKE_CURRENT_LIST_DIR, as CMake's configure_package_config_file does), so a
tree installed with DESTDIR and found through CMAKE_PREFIX_PATH works. Only a
libdir or includedir outside the prefix is written as an absolute path.

The library's file names come from libtool's .la file (the shared library, or
the static one under --disable-shared). protobuf and gRPC are found the way
Debian ships them: protobuf through CMake's FindProtobuf module (Debian's
libprotobuf-dev has no CMake config; a protobuf that has one is found too),
gRPC through its gRPCConfig.cmake (Debian's libgrpc++-dev has one), else
through pkg-config grpc++ (CMake's FindPkgConfig).
"""

import argparse
import os
import posixpath
import re
import sys

CONFIG = """\
# oaktreemodelConfig.cmake for oaktreemodel {version}, written by make
# (tools/generate/cmake_config.py). Use:
#   find_package(oaktreemodel CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE oaktreemodel::oaktreemodel)
if(CMAKE_VERSION VERSION_LESS 3.9)
  set(oaktreemodel_FOUND FALSE)
  set(oaktreemodel_NOT_FOUND_MESSAGE "oaktreemodel needs CMake >= 3.9 (protobuf::libprotobuf)")
  return()
endif()

{prefix_code}
set(oaktreemodel_VERSION "{version}")
set(oaktreemodel_INCLUDE_DIR "{includedir}")
set(oaktreemodel_LIBRARY "{library}")

include(CMakeFindDependencyMacro)
find_dependency(Threads)
# Debian's libprotobuf-dev ships no CMake config: CMake's FindProtobuf module
# finds it (and a protobuf that ships protobuf-config.cmake is found as well).
find_dependency(Protobuf)
# Debian's libgrpc++-dev ships gRPCConfig.cmake; where there is none, pkg-config.
if(NOT TARGET gRPC::grpc++)
  find_package(gRPC CONFIG QUIET)
endif()
if(TARGET gRPC::grpc++)
  set(_oaktreemodel_grpcxx gRPC::grpc++)
else()
  find_dependency(PkgConfig)
  if(NOT TARGET PkgConfig::oaktreemodel_grpcxx)
    pkg_check_modules(oaktreemodel_grpcxx QUIET IMPORTED_TARGET grpc++)
  endif()
  if(NOT TARGET PkgConfig::oaktreemodel_grpcxx)
    set(oaktreemodel_FOUND FALSE)
    set(oaktreemodel_NOT_FOUND_MESSAGE
      "gRPC C++ not found: neither gRPCConfig.cmake nor pkg-config grpc++ (Debian: apt-get install libgrpc++-dev)")
    return()
  endif()
  set(_oaktreemodel_grpcxx PkgConfig::oaktreemodel_grpcxx)
endif()

foreach(_oaktreemodel_path "${{oaktreemodel_LIBRARY}}" "${{oaktreemodel_INCLUDE_DIR}}/oaktree/v1/common.pb.h")
  if(NOT EXISTS "${{_oaktreemodel_path}}")
    set(oaktreemodel_FOUND FALSE)
    set(oaktreemodel_NOT_FOUND_MESSAGE "${{CMAKE_CURRENT_LIST_FILE}} names ${{_oaktreemodel_path}}, which does not exist")
    return()
  endif()
endforeach()

if(NOT TARGET oaktreemodel::oaktreemodel)
  add_library(oaktreemodel::oaktreemodel {kind} IMPORTED)
  set_target_properties(oaktreemodel::oaktreemodel PROPERTIES
    IMPORTED_LOCATION "${{oaktreemodel_LIBRARY}}"
{soname}    INTERFACE_INCLUDE_DIRECTORIES "${{oaktreemodel_INCLUDE_DIR}}"
    INTERFACE_LINK_LIBRARIES "${{_oaktreemodel_grpcxx}};protobuf::libprotobuf"
    INTERFACE_COMPILE_FEATURES cxx_std_17)
endif()
set(oaktreemodel_LIBRARIES oaktreemodel::oaktreemodel)
"""

VERSION = """\
# oaktreemodelConfigVersion.cmake for oaktreemodel {version}, written by make
# (tools/generate/cmake_config.py). Before 1.0.0 a MINOR release may break
# (README, "Upgrades and releases"), so a request for 0.Y is met only by 0.Y.Z;
# from 1.0.0 on, by any later version of the same MAJOR.
set(PACKAGE_VERSION "{version}")
set(PACKAGE_VERSION_COMPATIBLE FALSE)
set(PACKAGE_VERSION_EXACT FALSE)
if(PACKAGE_FIND_VERSION_RANGE)
  set(_oaktreemodel_want "${{PACKAGE_FIND_VERSION_MIN}}")
  set(_oaktreemodel_want_major "${{PACKAGE_FIND_VERSION_MIN_MAJOR}}")
  set(_oaktreemodel_want_minor "${{PACKAGE_FIND_VERSION_MIN_MINOR}}")
  if((PACKAGE_FIND_VERSION_RANGE_MAX STREQUAL "INCLUDE" AND PACKAGE_VERSION VERSION_GREATER PACKAGE_FIND_VERSION_MAX)
     OR (PACKAGE_FIND_VERSION_RANGE_MAX STREQUAL "EXCLUDE" AND NOT PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION_MAX))
    return()
  endif()
else()
  set(_oaktreemodel_want "${{PACKAGE_FIND_VERSION}}")
  set(_oaktreemodel_want_major "${{PACKAGE_FIND_VERSION_MAJOR}}")
  set(_oaktreemodel_want_minor "${{PACKAGE_FIND_VERSION_MINOR}}")
endif()
if(NOT PACKAGE_VERSION VERSION_LESS _oaktreemodel_want AND "{major}" STREQUAL "${{_oaktreemodel_want_major}}"
   AND ("{major}" GREATER 0 OR "{minor}" STREQUAL "${{_oaktreemodel_want_minor}}"))
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_VERSION VERSION_EQUAL _oaktreemodel_want)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
if(NOT PACKAGE_FIND_VERSION AND NOT PACKAGE_FIND_VERSION_RANGE)
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
endif()
# Built for one architecture: refuse a project of another pointer size.
if(CMAKE_SIZEOF_VOID_P AND NOT CMAKE_SIZEOF_VOID_P STREQUAL "{sizeof_void_p}")
  math(EXPR _oaktreemodel_bits "{sizeof_void_p} * 8")
  set(PACKAGE_VERSION "${{PACKAGE_VERSION}} (${{_oaktreemodel_bits}}bit)")
  set(PACKAGE_VERSION_UNSUITABLE TRUE)
endif()
"""


def la_field(text, name):
    m = re.search(r"^%s='([^']*)'" % name, text, re.M)
    return m.group(1) if m else ""


def under(path, prefix):
    """path relative to prefix, or None when it is not below it."""
    rel = posixpath.relpath(path, prefix)
    return None if rel == ".." or rel.startswith("../") else rel


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--libdir", required=True, help="the installed library's folder (expanded)")
    ap.add_argument("--includedir", required=True, help="expanded")
    ap.add_argument("--version", required=True)
    ap.add_argument("--la", required=True, help="libtool's liboaktreemodel.la")
    ap.add_argument("--sizeof-void-p", default="8")
    ap.add_argument("--out", required=True, help="folder to write the two files into")
    args = ap.parse_args()

    for name in ("prefix", "libdir", "includedir"):
        value = getattr(args, name)
        if not posixpath.isabs(value):
            sys.exit(f"cmake_config: --{name} {value!r} is not an absolute path")
    prefix, libdir, includedir = (posixpath.normpath(p) for p in (args.prefix, args.libdir, args.includedir))
    with open(args.la) as f:
        la = f.read()
    dlname = la_field(la, "dlname")
    if dlname:
        kind = "SHARED"
        libfile = la_field(la, "library_names").split()[0]
        soname = f'    IMPORTED_SONAME "{dlname}"\n'
    elif la_field(la, "old_library"):
        kind, libfile, soname = "STATIC", la_field(la, "old_library"), ""
    else:
        sys.exit(f"cmake_config: {args.la} names neither a shared nor a static library")

    configdir = posixpath.join(libdir, "cmake", "oaktreemodel")
    lib_rel, inc_rel = under(libdir, prefix), under(includedir, prefix)
    if lib_rel is not None and inc_rel is not None:
        up = posixpath.relpath(prefix, configdir)
        prefix_code = (
            "# The install prefix, found from this file's folder ($(libdir)/cmake/oaktreemodel),\n"
            "# so that a moved or DESTDIR-staged tree works.\n"
            f'get_filename_component(_oaktreemodel_prefix "${{CMAKE_CURRENT_LIST_DIR}}/{up}" ABSOLUTE)')
        lib_path = "${_oaktreemodel_prefix}" + ("" if lib_rel == "." else "/" + lib_rel)
        inc_path = "${_oaktreemodel_prefix}" + ("" if inc_rel == "." else "/" + inc_rel)
    else:
        prefix_code = "# libdir or includedir is outside the prefix: absolute paths, not relocatable."
        lib_path, inc_path = libdir, includedir

    parts = (args.version.split(".") + ["0", "0"])[:2]
    os.makedirs(args.out, exist_ok=True)
    files = {
        "oaktreemodelConfig.cmake": CONFIG.format(
            version=args.version, prefix_code=prefix_code, includedir=inc_path,
            library=f"{lib_path}/{libfile}", kind=kind, soname=soname),
        "oaktreemodelConfigVersion.cmake": VERSION.format(
            version=args.version, major=parts[0], minor=parts[1], sizeof_void_p=args.sizeof_void_p),
    }
    for name, text in files.items():
        path = os.path.join(args.out, name)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)


if __name__ == "__main__":
    main()
