# Shared by the check scripts (sourced). A skip prints why and exits 77;
# under CI=true a skip is a failure, since CI must run everything it can.
skip() {
  echo "SKIP: $*"
  if [ "${CI:-}" = true ]; then
    echo "CI=true: refusing to skip a check on CI"
    exit 1
  fi
  exit 77
}
: "${OAKTREE_SRCDIR:?run through make check}"
