# Go (optional): regenerates golang/ for the freshness check, builds the Go
# test programs and runs the Go checks. Without it the checked-in Go is used
# as is and the Go checks report SKIP with the reason.
AC_DEFUN([OAKTREE_CHECK_GOLANG], [
AC_ARG_WITH([go], [AS_HELP_STRING([--without-go], [do not use Go even if found])],
  [], [with_go=check])
GO_SKIP_REASON=
AS_IF([test "x$with_go" = xno],
  [GO=; GO_SKIP_REASON="configured --without-go"],
  [AC_PATH_PROG([GO], [go], [], [$PATH$PATH_SEPARATOR/usr/local/go/bin])
   AS_IF([test -z "$GO"],
     [AS_IF([test "x$with_go" = xyes],
        [AC_MSG_ERROR([go not found (Debian: apt-get install golang-go, or Go from go.dev)])])
      GO_SKIP_REASON="go not found at configure time (Debian: apt-get install golang-go)"])])
AS_IF([test -n "$GO"], [
  GO_VERSION=`$GO env GOVERSION`
  AC_MSG_CHECKING([for the Go plugins pinned in golang/tools/go.mod])
  GO_PLUGIN_VERSIONS=`cd "$srcdir/golang/tools" && GOWORK=off $GO list -f '{{.Module.Path}}@{{.Module.Version}}' google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc 2>&AS_MESSAGE_LOG_FD | tr '\n' ' '`
  AS_IF([test -n "$GO_PLUGIN_VERSIONS"], [AC_MSG_RESULT([$GO_PLUGIN_VERSIONS])],
    [AC_MSG_RESULT([no])
     AC_MSG_ERROR([go cannot resolve protoc-gen-go/protoc-gen-go-grpc from golang/tools/go.mod (run ./setup.sh, or: cd golang/tools && GOWORK=off go mod download); or configure --without-go])])])
AC_SUBST([GO_SKIP_REASON])
AM_CONDITIONAL([HAVE_GOLANG], [test -n "$GO"])
OAKTREE_SUMMARY="$OAKTREE_SUMMARY
  Go:                 ${GO:-no ($GO_SKIP_REASON)} ${GO_VERSION}
  Go plugins:         ${GO_PLUGIN_VERSIONS:-n/a}"
])
