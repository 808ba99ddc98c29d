#!/usr/bin/env bash
# Every source file of the tool compiled on its own, syntax only: each still includes what it
# uses, although the builds group sources into unity translation units (TCPTUNE_UNITY_BUILD).
# About a minute on two cores; cheaper than a whole build without unity groups.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-include-check
cmake -S . -B "$dir" -G Ninja -DTCPTUNE_UNITY_BUILD=OFF -DTCPTUNE_BUILD_TESTS=OFF \
  -DTCPTUNE_WERROR=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
# Each compile command without its output (-o, the dependency file), with -fsyntax-only.
python3 - "$dir/compile_commands.json" >"$dir/syntax_commands" <<'PY'
import json, shlex, sys
for c in json.load(open(sys.argv[1])):
    if c["file"].startswith(c["directory"] + "/"):
        continue  # generated in the build directory (the knowledge snapshot): nothing to check
    words, out, skip = shlex.split(c["command"]), [], False
    for w in words:
        if skip:
            skip = False
        elif w in ("-o", "-MF", "-MT"):
            skip = True
        elif w not in ("-MD", "-c"):
            out.append(w)
    print("cd %s && %s -fsyntax-only" % (shlex.quote(c["directory"]), shlex.join(out)))
PY
n=$(wc -l <"$dir/syntax_commands")
[[ $n -gt 50 ]] || { echo "include check: only $n compile commands found" >&2; exit 1; }
tr '\n' '\0' <"$dir/syntax_commands" | xargs -0 -P "$(nproc)" -n 1 bash -c
echo "include check: $n files compile on their own"
