# TypeScript/JavaScript (issue 9): node >= 20 and npm, and the node_modules
# that `npm ci` filled from js/package-lock.json (the pinned protoc-gen-es,
# tsc and runtime). Included from configure.ac; OAKTREE_CHECK_JS runs there.
AC_DEFUN([OAKTREE_CHECK_JS], [
AC_ARG_WITH([js], [AS_HELP_STRING([--without-js], [do not build the npm package even if node is found])],
  [], [with_js=check])
AC_ARG_WITH([js-node-modules], [AS_HELP_STRING([--with-js-node-modules=DIR],
  [node_modules filled by `npm ci` from js/package-lock.json (default: $OAKTREE_JS_NODE_MODULES, else SRCDIR/js/node_modules, which ./setup.sh fills)])],
  [JS_NODE_MODULES=$withval],
  [JS_NODE_MODULES=${OAKTREE_JS_NODE_MODULES:-`cd "$srcdir" && pwd`/js/node_modules}])
AS_CASE([$JS_NODE_MODULES], [/*], [], [JS_NODE_MODULES=`pwd`/$JS_NODE_MODULES])
JS_SKIP_REASON=
JS_HOW="Debian 13: apt-get install nodejs npm; Debian 12's nodejs is 18, too old: Node.js 20 or later from nodejs.org or NodeSource"
AS_IF([test "x$with_js" = xno], [JS_SKIP_REASON="configured --without-js"], [
  AC_PATH_PROG([NODE], [node])
  AS_IF([test -z "$NODE"], [JS_SKIP_REASON="node not found ($JS_HOW)"], [
    AC_MSG_CHECKING([whether $NODE is version 20 or later])
    NODE_VERSION=`$NODE --version 2>/dev/null | sed 's/^v//'`
    AS_IF([test "${NODE_VERSION%%.*}" -ge 20 2>/dev/null], [AC_MSG_RESULT([yes ($NODE_VERSION)])],
      [AC_MSG_RESULT([no ($NODE_VERSION)])
       JS_SKIP_REASON="node $NODE_VERSION is older than 20 ($JS_HOW)"])])
  AS_IF([test -z "$JS_SKIP_REASON"], [
    AC_PATH_PROG([NPM], [npm], [], [`AS_DIRNAME(["$NODE"])`$PATH_SEPARATOR$PATH])
    AS_IF([test -z "$NPM"], [JS_SKIP_REASON="npm not found ($JS_HOW)"],
      [NPM_VERSION=`$NPM --version 2>/dev/null`])])
  AS_IF([test -z "$JS_SKIP_REASON"], [
    # The tools installed must be the ones js/package.json pins.
    AC_MSG_CHECKING([for the pinned protoc-gen-es, typescript and runtime in $JS_NODE_MODULES])
    JS_TOOL_VERSIONS=`cd "$srcdir/js" && $NODE -e '
      const fs = require("fs"), path = require("path");
      const want = JSON.parse(fs.readFileSync("package.json", "utf8")).devDependencies;
      const got = [[]], bad = [[]];
      for (const [[name, pin]] of Object.entries(want)) {
        let v = "missing";
        try { v = JSON.parse(fs.readFileSync(path.join(process.argv[[1]], name, "package.json"), "utf8")).version; } catch {}
        (v === pin ? got : bad).push(name + "@" + v + (v === pin ? "" : " (want " + pin + ")"));
      }
      if (bad.length) { console.log(bad.join(" ")); process.exit(1); }
      console.log(got.join(" "));' "$JS_NODE_MODULES" 2>&AS_MESSAGE_LOG_FD`
    AS_IF([test $? -eq 0], [AC_MSG_RESULT([yes])],
      [AC_MSG_RESULT([no])
       JS_SKIP_REASON="$JS_NODE_MODULES lacks the versions js/package-lock.json pins: $JS_TOOL_VERSIONS (run ./setup.sh, i.e. npm ci in js/, or pass --with-js-node-modules=DIR)"])])
  AS_IF([test -n "$JS_SKIP_REASON"], [
    AS_IF([test "x$with_js" = xyes], [AC_MSG_ERROR([--with-js: $JS_SKIP_REASON])])
    AC_MSG_WARN([TypeScript/JavaScript disabled: $JS_SKIP_REASON])])
])
AC_SUBST([NODE])
AC_SUBST([NPM])
AC_SUBST([JS_NODE_MODULES])
AC_SUBST([JS_SKIP_REASON])
AM_CONDITIONAL([HAVE_JS], [test -z "$JS_SKIP_REASON"])
AS_IF([test -z "$JS_SKIP_REASON"],
  [OAKTREE_SUMMARY="$OAKTREE_SUMMARY
  JS:                 $NODE ($NODE_VERSION), npm $NPM_VERSION
  JS node_modules:    $JS_NODE_MODULES
  JS pinned:          $JS_TOOL_VERSIONS"],
  [OAKTREE_SUMMARY="$OAKTREE_SUMMARY
  JS:                 no ($JS_SKIP_REASON)"])
])
