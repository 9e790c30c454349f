# C++ test-program options (cpp/include.am): --enable-sanitizers and the
# libFuzzer target. Neither touches liboaktreemodel: the installed library is
# built with the plain CXXFLAGS, always.

# --enable-sanitizers: AddressSanitizer + UndefinedBehaviorSanitizer for the
# C++ test programs only. An instrumented shared library can only be loaded
# by a program that is itself built with ASan (the runtime must come first),
# so installing one would break every ordinary consumer.
AC_DEFUN([OAKTREE_CHECK_CPP_SANITIZERS], [
AC_ARG_ENABLE([sanitizers],
  [AS_HELP_STRING([--enable-sanitizers],
    [build the C++ test programs (cpp/interop-server, cpp/interop-client,
     cpp/vector-check, which then compiles the generated code into itself)
     with AddressSanitizer and UndefinedBehaviorSanitizer; the installed
     liboaktreemodel is never instrumented (a program without ASan could not
     load it). Needs the compiler's sanitizer runtimes (Debian gcc 12:
     libasan8 and libubsan1)])],
  [], [enable_sanitizers=no])
OAKTREE_SANITIZE_FLAGS=
AS_IF([test "x$enable_sanitizers" = xyes], [
  oaktree_san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
  AC_MSG_CHECKING([whether $CXX links $oaktree_san])
  oaktree_save_CXXFLAGS=$CXXFLAGS
  oaktree_save_LDFLAGS=$LDFLAGS
  CXXFLAGS="$CXXFLAGS $oaktree_san"
  LDFLAGS="$LDFLAGS $oaktree_san"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <string>]],
      [[std::string s(3, 'x'); return static_cast<int>(s.size()) - 3;]])],
    [AC_MSG_RESULT([yes]); OAKTREE_SANITIZE_FLAGS=$oaktree_san],
    [AC_MSG_RESULT([no])
     AC_MSG_ERROR([--enable-sanitizers: $CXX cannot link $oaktree_san (see config.log). The sanitizer runtimes come with the compiler: for Debian's gcc 12 install libasan8 and libubsan1 (apt-get install gcc libasan8 libubsan1); for clang, libclang-rt-dev. Or configure without --enable-sanitizers.])])
  CXXFLAGS=$oaktree_save_CXXFLAGS
  LDFLAGS=$oaktree_save_LDFLAGS
  # Flags given by hand would reach the library too: say so rather than
  # install an instrumented one by accident.
  AS_CASE(["$CXXFLAGS $LDFLAGS"], [*-fsanitize=*],
    [AC_MSG_WARN([CXXFLAGS/LDFLAGS contain -fsanitize: liboaktreemodel itself will be instrumented; --enable-sanitizers alone instruments only the test programs])])
])
AC_SUBST([OAKTREE_SANITIZE_FLAGS])
AM_CONDITIONAL([OAKTREE_SANITIZERS], [test -n "$OAKTREE_SANITIZE_FLAGS"])
OAKTREE_SUMMARY="$OAKTREE_SUMMARY
  C++ sanitizers:     ${OAKTREE_SANITIZE_FLAGS:-no} (test programs only)"
])

# The libFuzzer target cpp/fuzz-messages (cpp/checks/fuzz): clang++ with
# -fsanitize=fuzzer, compiling the generated message code into the fuzzer
# against the system libprotobuf and libstdc++. --with-fuzzer[=CLANGXX]
# requires it, --without-fuzzer turns it off, the default takes it when found;
# when it is missing cpp/checks/fuzz skips with the reason (a failure under
# CI=true).
AC_DEFUN([OAKTREE_CHECK_CPP_FUZZER], [
AC_ARG_WITH([fuzzer],
  [AS_HELP_STRING([--with-fuzzer@<:@=CLANGXX@:>@],
    [build the libFuzzer target cpp/fuzz-messages with clang++ (or CLANGXX)
     for make check; default: when clang++ can link -fsanitize=fuzzer
     (Debian: clang libclang-rt-dev)])],
  [], [with_fuzzer=check])
AC_ARG_VAR([FUZZ_CXX], [clang++ for the libFuzzer target (--with-fuzzer=CLANGXX sets it too)])
CPP_FUZZ_SKIP_REASON=
oaktree_fuzz_pkgs="Debian: apt-get install clang libclang-rt-dev, on bookworm clang-14 and libclang-rt-14-dev"
AS_CASE([$with_fuzzer],
  [no], [FUZZ_CXX=; CPP_FUZZ_SKIP_REASON="configured --without-fuzzer"],
  [yes|check], [AS_IF([test -z "$FUZZ_CXX"],
                  [AC_PATH_PROGS([FUZZ_CXX], [clang++ clang++-19 clang++-16 clang++-14])])],
  [FUZZ_CXX=$with_fuzzer])
OAKTREE_FUZZ_FLAGS="-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
AS_IF([test "x$with_fuzzer" != xno && test -z "$FUZZ_CXX"],
  [CPP_FUZZ_SKIP_REASON="clang++ not found at configure time ($oaktree_fuzz_pkgs)"])
AS_IF([test -n "$FUZZ_CXX"], [
  # A fuzz target that calls libprotobuf: the fuzzer runtime must link, and
  # clang's C++ library must be the one libprotobuf was built with.
  AC_MSG_CHECKING([whether $FUZZ_CXX links -fsanitize=fuzzer with libprotobuf])
  cat >conftest-fuzz.cc <<_OAKEOF
#include <cstddef>
#include <cstdint>
#include <string>
#include <google/protobuf/struct.pb.h>
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  google::protobuf::Struct s;
  return s.ParseFromString(std::string(reinterpret_cast<const char*>(data), size)) ? 0 : 0;
}
_OAKEOF
  AS_IF([$FUZZ_CXX $OAKTREE_FUZZ_FLAGS $PROTOBUF_CFLAGS -o conftest-fuzz conftest-fuzz.cc $PROTOBUF_LIBS >&AS_MESSAGE_LOG_FD 2>&1],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no])
     CPP_FUZZ_SKIP_REASON="$FUZZ_CXX cannot link -fsanitize=fuzzer,address,undefined with libprotobuf (see config.log; $oaktree_fuzz_pkgs)"
     FUZZ_CXX=])
  rm -f conftest-fuzz conftest-fuzz.cc])
AS_IF([test "x$with_fuzzer" != xno && test "x$with_fuzzer" != xcheck && test -z "$FUZZ_CXX"],
  [AC_MSG_ERROR([--with-fuzzer: $CPP_FUZZ_SKIP_REASON])])
AC_SUBST([OAKTREE_FUZZ_FLAGS])
AC_SUBST([CPP_FUZZ_SKIP_REASON])
AM_CONDITIONAL([HAVE_CPP_FUZZER], [test -n "$FUZZ_CXX"])
OAKTREE_SUMMARY="$OAKTREE_SUMMARY
  C++ fuzzer:         ${FUZZ_CXX:-no ($CPP_FUZZ_SKIP_REASON)}"
])
