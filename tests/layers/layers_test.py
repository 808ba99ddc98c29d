#!/usr/bin/env python3
"""The source directories depend on each other in one direction only (README "Layout").

Each directory of src/ may include headers of its own directory and of the directories before
it in LAYERS; an #include "DIR/..." of a later directory is a layering error, reported with the
file and line. A directory missing from LAYERS is an error too, so a new one gets a place.

  layers_test.py SRC_DIR          exit 0 clean, 1 with errors
"""
import pathlib
import re
import sys

# Lowest first: core is vocabulary (no I/O), sys the only code touching the OS, config the file
# formats (sysctl.d, TOML), census the socket census, engine lint/rules/profiles and their
# loader, apply the transaction, render the output formats, cli the commands.
LAYERS = ["core", "sys", "config", "census", "engine", "apply", "render", "cli"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z_]+)/')


def check(src: pathlib.Path) -> list:
    errors = []
    rank = {name: i for i, name in enumerate(LAYERS)}
    for d in sorted(p for p in src.iterdir() if p.is_dir()):
        if d.name not in rank:
            errors.append(f"{d}: a source directory with no place in LAYERS ({__file__})")
            continue
        for f in sorted(d.rglob("*.[ch]pp")):
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                m = INCLUDE.match(line)
                if not m or m.group(1) == d.name:
                    continue
                dep = m.group(1)
                if dep not in rank:
                    errors.append(f"{f}:{n}: includes {dep}/, not a source directory")
                elif rank[dep] > rank[d.name]:
                    errors.append(f"{f}:{n}: {d.name}/ includes {dep}/, a higher layer "
                                  f"(order: {' < '.join(LAYERS)})")
    return errors


def self_test() -> None:
    """The check must be able to fail: a fake tree with a back edge is reported."""
    import tempfile
    with tempfile.TemporaryDirectory() as t:
        root = pathlib.Path(t)
        for name in ("core", "engine"):
            (root / name).mkdir()
        (root / "core" / "a.hpp").write_text('#include "engine/b.hpp"\n')
        (root / "engine" / "b.hpp").write_text('#include "core/a.hpp"\n')
        errs = check(root)
        if len(errs) != 1 or "core/ includes engine/" not in errs[0]:
            sys.exit(f"FAIL: self-test: a back edge was not reported as one error: {errs}")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    self_test()
    errors = check(pathlib.Path(sys.argv[1]))
    for e in errors:
        print("FAIL:", e)
    if not errors:
        print(f"layers: {' < '.join(LAYERS)}: every #include points down")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
