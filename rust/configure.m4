# Rust (optional): the oaktreemodel crate (dist/oaktreemodel-VERSION.crate)
# and the Rust interop/vector programs, built by cargo offline from the
# crates that ./setup.sh fetched (cargo fetch --locked into CARGO_HOME).
AC_DEFUN([OAKTREE_CHECK_RUST], [
AC_ARG_WITH([rust], [AS_HELP_STRING([--without-rust], [do not build the Rust crate even if cargo is found])],
  [], [with_rust=check])
AC_ARG_VAR([CARGO], [cargo, the Rust package manager (rustup, or Debian: apt-get install cargo)])
AC_ARG_VAR([RUSTC], [the Rust compiler used by cargo])
RUST_SKIP_REASON=
rust_install_hint="install Rust >= 1.88 with rustup (https://rustup.rs; cargo lands in ~/.cargo/bin), or Debian: apt-get install cargo rustc where those are >= 1.88 (Debian 12 has 1.63)"
AS_IF([test "x$with_rust" = xno],
  [CARGO=; RUST_SKIP_REASON="configured --without-rust"],
  [AC_PATH_PROG([CARGO], [cargo], [], [$PATH$PATH_SEPARATOR$HOME/.cargo/bin])
   cargo_bindir=`AS_DIRNAME(["${CARGO:-/nonexistent/cargo}"])`
   AC_PATH_PROG([RUSTC], [rustc], [], [$cargo_bindir$PATH_SEPARATOR$PATH])
   AS_IF([test -z "$CARGO" || test -z "$RUSTC"],
     [RUST_SKIP_REASON="cargo or rustc not found ($rust_install_hint)"],
     [RUSTC_VERSION=`$RUSTC --version | cut -d' ' -f2`
      CARGO_VERSION=`$CARGO --version | cut -d' ' -f2`
      AC_MSG_CHECKING([whether rustc $RUSTC_VERSION is at least 1.88])
      AS_VERSION_COMPARE([$RUSTC_VERSION], [1.88.0],
        [AC_MSG_RESULT([no]); RUST_SKIP_REASON="rustc $RUSTC_VERSION is older than 1.88, which tonic 0.14.9 needs ($rust_install_hint)"],
        [AC_MSG_RESULT([yes])], [AC_MSG_RESULT([yes])])])
   AS_IF([test -z "$RUST_SKIP_REASON"],
     [AC_MSG_CHECKING([whether the crates of rust/Cargo.lock are fetched])
      rust_probe=`mktemp -d`
      AS_IF([$SHELL "$srcdir/rust/assemble.sh" "$srcdir" "$rust_probe/ws" 0.0.0 "$srcdir/rust/Cargo.lock" >&AS_MESSAGE_LOG_FD 2>&1 &&
             (cd "$rust_probe/ws" && $CARGO fetch --offline --locked) >&AS_MESSAGE_LOG_FD 2>&1],
        [AC_MSG_RESULT([yes])],
        [AC_MSG_RESULT([no]); RUST_SKIP_REASON="the crates of rust/Cargo.lock are not in cargo's cache (run ./setup.sh, or: cargo fetch --locked as it does)"])
      rm -rf "$rust_probe"])
   AS_IF([test -n "$RUST_SKIP_REASON" && test "x$with_rust" = xyes],
     [AC_MSG_ERROR([$RUST_SKIP_REASON])])])
RUST_PINS=`awk '/^name = /{n=$[]3} /^version = /{if (n=="\"prost\"" || n=="\"tonic\"" || n=="\"tonic-prost-build\"") printf "%s %s ", n, $[]3}' "$srcdir/rust/Cargo.lock" | tr -d '"'`
AC_SUBST([RUST_SKIP_REASON])
AM_CONDITIONAL([HAVE_RUST], [test -z "$RUST_SKIP_REASON"])
AS_IF([test -n "$RUST_SKIP_REASON"], [rust_summary="no ($RUST_SKIP_REASON)"],
  [rust_summary="$CARGO (cargo $CARGO_VERSION, rustc $RUSTC_VERSION)"])
OAKTREE_SUMMARY="$OAKTREE_SUMMARY
  Rust:               $rust_summary
  Rust crates:        ${RUST_PINS:-n/a}"
])
