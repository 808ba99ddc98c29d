#!/usr/bin/env bash
# bench/build/tu_cpu.sh COMPILER ARGS... -- a compiler launcher (CMAKE_CXX_COMPILER_LAUNCHER) that
# runs the compiler under GNU time and appends "user sys output" (CPU seconds, the -o file) to
# $TU_CPU_LOG. run.sh uses it for the per-translation-unit list; the launcher adds a fork and
# an exec per compile, nothing else.
set -u
out=?
prev=
for a in "$@"; do
  [ "$prev" = "-o" ] && out=$a
  prev=$a
done
exec /usr/bin/time -a -o "${TU_CPU_LOG:?}" -f "%U %S $out" "$@"
