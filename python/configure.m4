# Python generation and the Python checks' tools. Included from configure.ac;
# OAKTREE_CHECK_PYTHON runs after $PYTHON and python_bindir are known.
#
# The wheel's modules come from the older grpcio-tools pinned in
# python/requirements-gen.txt, installed by ./setup.sh into OAKTREE_PYGEN
# (default: oaktree-pygen in $PYTHON's virtualenv); its .pyi stubs from
# mypy-protobuf's plugins beside $PYTHON (requirements.txt). The runtime-range
# check installs the wheel offline from OAKTREE_WHEELHOUSE (default:
# oaktree-wheelhouse in $PYTHON's virtualenv), which ./setup.sh fills.
AC_DEFUN([OAKTREE_CHECK_PYTHON], [
AC_ARG_VAR([OAKTREE_PYGEN], [folder holding the grpcio-tools of python/requirements-gen.txt])
AC_ARG_VAR([OAKTREE_WHEELHOUSE], [folder of wheels for the offline Python runtime-range check])
oaktree_venv=`cd "$python_bindir/.." && pwd`
AS_IF([test -z "$OAKTREE_PYGEN"], [OAKTREE_PYGEN=$oaktree_venv/oaktree-pygen])
AS_IF([test -z "$OAKTREE_WHEELHOUSE"], [OAKTREE_WHEELHOUSE=$oaktree_venv/oaktree-wheelhouse])
PYGEN_PIN=`sed -n 's/^grpcio-tools==\([[^ ;#]]*\).*/\1/p' "$srcdir/python/requirements-gen.txt"`
AC_MSG_CHECKING([for grpcio-tools $PYGEN_PIN in $OAKTREE_PYGEN])
PYGEN_VERSION=`PYTHONPATH="$OAKTREE_PYGEN" PYTHONNOUSERSITE=1 $PYTHON -c 'import importlib.metadata as m; print(m.version("grpcio-tools"))' 2>/dev/null`
AS_IF([test -d "$OAKTREE_PYGEN" && test "x$PYGEN_VERSION" = "x$PYGEN_PIN"],
  [AC_MSG_RESULT([yes])],
  [AC_MSG_RESULT([no (found: ${PYGEN_VERSION:-none})])
   AC_MSG_ERROR([$OAKTREE_PYGEN lacks grpcio-tools==$PYGEN_PIN, the generator of the Python modules (run ./setup.sh, or pip install --no-deps --target $OAKTREE_PYGEN -r python/requirements-gen.txt, or pass OAKTREE_PYGEN=)])])
PYGEN_PROTOC_VERSION=`PYTHONPATH="$OAKTREE_PYGEN" PYTHONNOUSERSITE=1 $PYTHON -m grpc_tools.protoc --version | sed "s/^libprotoc //"`
AC_PATH_PROG([PROTOC_GEN_MYPY], [protoc-gen-mypy], [], [$python_bindir])
AC_PATH_PROG([PROTOC_GEN_MYPY_GRPC], [protoc-gen-mypy_grpc], [], [$python_bindir])
AS_IF([test -z "$PROTOC_GEN_MYPY" || test -z "$PROTOC_GEN_MYPY_GRPC"],
  [AC_MSG_ERROR([protoc-gen-mypy/protoc-gen-mypy_grpc not found beside $PYTHON (PyPI package mypy-protobuf, see requirements.txt; run ./setup.sh)])])
MYPY_PROTOBUF_VERSION=`$PYTHON -c 'import importlib.metadata as m; print(m.version("mypy-protobuf"))' 2>/dev/null`
AC_MSG_CHECKING([for mypy in $PYTHON])
AS_IF([$PYTHON -c 'import mypy' 2>/dev/null],
  [MYPY_FOUND="yes (`$PYTHON -m mypy --version`)"],
  [MYPY_FOUND="no (PyPI package mypy, see requirements.txt): make check skips python/checks/typing"])
AC_MSG_RESULT([$MYPY_FOUND])
AS_IF([test -d "$OAKTREE_WHEELHOUSE"], [WHEELHOUSE_FOUND=$OAKTREE_WHEELHOUSE],
  [WHEELHOUSE_FOUND="no ($OAKTREE_WHEELHOUSE; ./setup.sh fills it): make check skips python/checks/runtime-range"])
OAKTREE_SUMMARY="$OAKTREE_SUMMARY
  Python modules:     grpcio-tools $PYGEN_VERSION (protoc $PYGEN_PROTOC_VERSION) in $OAKTREE_PYGEN
  Python stubs:       mypy-protobuf $MYPY_PROTOBUF_VERSION
  mypy:               $MYPY_FOUND
  wheelhouse:         $WHEELHOUSE_FOUND"
])
