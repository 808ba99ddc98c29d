#!/usr/bin/env bash
# CLI tests: run the real tcptune binary on fixture roots and compare stdout, stderr and the
# exit code with the golden files.
#   run_cli_tests.sh TCPTUNE TESTS_DIR [--update]
# Each case is tests/cli/cases/NAME.cmd: one command line, run with bash from the repository
# root, where $TCPTUNE is the binary. Its golden file NAME.expected holds stdout, then
# "--- stderr", then stderr, then "--- exit N". --update rewrites the golden files.
set -u
bin=$(realpath "$1")
tests=$(realpath "$2")
update=${3:-}
cd "$tests/.." || exit 2
export TCPTUNE="$bin" NO_COLOR=1 TCPTUNE_DATA_DIR="$PWD"
# The help base URL is a build-time setting: golden files read $HELP/ for it.
help_base=$("$bin" --version | sed -n 's/^help pages: //p')
# The check scenario roots are generated (tests/fixtures/check/make_fixtures.py): the socket
# tables of the big ones are megabytes. Paths under them read $CHECK_ROOTS in golden files.
CHECK_ROOTS=$(mktemp -d /tmp/tcptune-check-roots.XXXXXX)
trap 'rm -rf "$CHECK_ROOTS"' EXIT
python3 tests/fixtures/check/make_fixtures.py --out "$CHECK_ROOTS" || exit 2
export CHECK_ROOTS
pass=0
fail=0
for cmd_file in tests/cli/cases/*.cmd; do
  name=$(basename "$cmd_file" .cmd)
  expected="${cmd_file%.cmd}.expected"
  out=$(mktemp) err=$(mktemp)
  timeout 60 bash -c "$(cat "$cmd_file")" >"$out" 2>"$err"
  rc=$?
  actual=$( { cat "$out"; echo "--- stderr"; cat "$err"; echo "--- exit $rc"; } |
    sed -e "s|$CHECK_ROOTS|\$CHECK_ROOTS|g" -e "s|$PWD/|\$SRC/|g")
  [[ -n "$help_base" ]] && actual=${actual//"$help_base"/\$HELP/}
  rm -f "$out" "$err"
  if [[ "$update" == "--update" ]]; then
    printf '%s\n' "$actual" >"$expected"
    echo "updated $name"
    continue
  fi
  if [[ -f "$expected" ]] && diff -u "$expected" <(printf '%s\n' "$actual") >/tmp/cli-diff.$$; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: $name ($(cat "$cmd_file"))"
    [[ -f "$expected" ]] && head -60 /tmp/cli-diff.$$ || echo "  (no golden file $expected)"
  fi
  rm -f /tmp/cli-diff.$$
done
[[ "$update" == "--update" ]] && exit 0
echo "cli: $pass passed, $fail failed"
((fail == 0))
