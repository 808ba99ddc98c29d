# -*- coding: utf-8 -*-
# Copyright (C) 2026 The tcptune authors
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the tcptune binary with --format json and turn its exit codes into module results.

Everything tcptune decides (the plan, what a rollback restores, whether anything is pending)
comes from the binary's JSON report and exit code; nothing here re-derives it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

# tcptune's exit codes (the same for every command; tcptune(8) EXIT STATUS).
EXIT_OK = 0
EXIT_PENDING = 1
EXIT_USAGE = 2
EXIT_SYSTEM = 3
EXIT_ROLLED_BACK = 4
EXIT_ROLLBACK_INCOMPLETE = 5

FAILURE_KIND = {
    EXIT_USAGE: "invalid_input",
    EXIT_SYSTEM: "refused_or_system_error",
    EXIT_ROLLED_BACK: "failed_rolled_back",
    EXIT_ROLLBACK_INCOMPLETE: "failed_rollback_incomplete",
}

COMMON_ARGS = dict(
    binary=dict(type="str", default="tcptune"),
    root=dict(type="path"),
    data_dir=dict(type="path"),
)


def tcptune_binary(module):
    binary = module.params["binary"]
    if os.sep in binary:
        if not os.access(binary, os.X_OK):
            module.fail_json(msg="tcptune binary %s is not executable" % binary, rc=None)
        return binary
    return module.get_bin_path(binary, required=True)


def run_tcptune(module, args):
    """Run `tcptune [--root R] [--data-dir D] --color never ARGS --format json`.

    Returns (rc, report, stderr, argv); report is the parsed JSON object, or None when
    tcptune printed none (usage errors and system errors print a message on stderr only).
    """
    argv = [tcptune_binary(module)]
    if module.params.get("root"):
        argv += ["--root", module.params["root"]]
    if module.params.get("data_dir"):
        argv += ["--data-dir", module.params["data_dir"]]
    argv += ["--color", "never"] + list(args) + ["--format", "json"]
    rc, out, err = module.run_command(argv, environ_update={"NO_COLOR": "1"})
    report = None
    if out.lstrip().startswith("{"):
        try:
            report = json.loads(out)
        except ValueError as e:
            module.fail_json(msg="tcptune printed invalid JSON: %s" % e, rc=rc, stdout=out,
                             stderr=err, cmd=argv)
    return rc, report, err, argv


def fail_tcptune(module, what, rc, report, err, argv, **extra):
    """Fail the task with tcptune's exit code and message (exit 4 and 5 told apart)."""
    lines = []
    if report:
        for field in ("refusals", "drift", "errors"):
            lines += ["%s: %s" % (field, x) for x in report.get(field) or []]
        if report.get("left"):
            lines += ["NOT restored: %s" % x for x in report["left"]]
        lines += ["note: %s" % x for x in report.get("notes") or []
                  if isinstance(x, str)]
    if err.strip():
        lines.append(err.strip())
    head = {
        EXIT_USAGE: "%s: invalid input or usage (exit 2)" % what,
        EXIT_SYSTEM: "%s: refused before anything was changed, or a system error (exit 3)" % what,
        EXIT_ROLLED_BACK: "%s failed and everything was rolled back (exit 4)" % what,
        EXIT_ROLLBACK_INCOMPLETE: "%s failed and the rollback is INCOMPLETE (exit 5): "
                                  "what is left is listed" % what,
    }.get(rc, "%s: exit %s" % (what, rc))
    module.fail_json(msg="\n".join([head] + lines), rc=rc, failure=FAILURE_KIND.get(rc, "unknown"),
                     tcptune=report, stderr=err, cmd=argv, **extra)


def host_path(module, path):
    """The path on the managed host of an in-root path of a report."""
    root = module.params.get("root") or "/"
    return os.path.join(root, path.lstrip("/")) if root != "/" else path
