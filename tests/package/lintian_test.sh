#!/usr/bin/env bash
# lintian_test.sh BUILD_DIR: cpack the Debian package into a temporary directory and run
# `lintian --pedantic` on it; fails on any error (E:) or warning (W:). Skipped (77) without lintian.
set -uo pipefail
command -v lintian >/dev/null || { echo "SKIP: lintian is not installed"; exit 77; }
build=$(cd "$1" && pwd)
tmp=$(mktemp -d /tmp/tcptune-lintian.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
(cd "$build" && timeout 300 cpack -G DEB -B "$tmp" >"$tmp/cpack.log" 2>&1) ||
  { echo "FAIL: cpack: $(tail -20 "$tmp/cpack.log")"; exit 1; }
deb=$(ls "$tmp"/tcptune_*.deb | head -1)
out=$(timeout 300 lintian --pedantic "$deb" 2>&1 | grep -v 'running with root privileges')
echo "lintian --pedantic $(basename "$deb"):"
echo "${out:-(no tags)}"
if grep -qE '^[EW]: ' <<<"$out"; then echo "FAIL: lintian reports errors or warnings"; exit 1; fi
echo "ok: no lintian error or warning"
