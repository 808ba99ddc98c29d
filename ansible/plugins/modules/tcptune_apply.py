#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (C) 2026 The tcptune authors
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: tcptune_apply
short_description: Apply a tcptune profile transactionally, or roll a transaction back
description:
  - Runs C(tcptune apply --profile P --format json) - the sysctl.d fragment and the live values
    in one transaction, verified, rolled back by tcptune itself on any failure.
  - With O(rollback), runs C(tcptune rollback [ID] --format json) instead.
  - Check mode runs C(tcptune apply --dry-run) (or C(tcptune rollback --dry-run)) and reports
    C(changed) exactly when tcptune says something would change (its exit code 1).
  - Diff mode shows the fragment file before and after, and every live value before and after.
  - Idempotent - when the host already meets the profile tcptune does nothing (result
    C(nothing-to-do)) and the task reports C(changed=false); a rollback with nothing left to
    restore likewise.
  - A failure carries tcptune's exit code in C(rc) and its message; C(failure) is
    C(failed_rolled_back) for exit 4 (nothing is left changed) and C(failed_rollback_incomplete)
    for exit 5 (the report lists what is not restored).
  - Everything is decided by the binary; this module only maps its JSON and exit codes.
version_added: "0.1.0"
options:
  profile:
    description: The profile to apply (C(tcptune profiles) lists them). Required unless O(rollback) is set.
    type: str
  fragment:
    description: The sysctl.d fragment to write (C(--fragment)); default C(/etc/sysctl.d/99-tcptune.conf).
    type: path
  live_only:
    description: Change the live values only (C(--live-only)); lost at reboot.
    type: bool
    default: false
  persist_only:
    description: Write the fragment only (C(--persist-only)); takes effect at boot.
    type: bool
    default: false
  persist:
    description:
      - Write the host-wide fragment even when the module runs in a network namespace other than
        the initial one (C(--persist)). Without it, tcptune apply in such a namespace (a container,
        C(ip netns exec)) changes that namespace's live values only and says so.
    type: bool
    default: false
  allow_shadowed:
    description: Go ahead although a later sysctl.d file sets a key of the fragment (C(--allow-shadowed)).
    type: bool
    default: false
  fix_files:
    description:
      - Comment out, in the same transaction, the lines of other sysctl files that would override
        the fragment at boot, set a key the profile wants absent, or that a rule condemns for a
        key of the profile (C(--fix-files)); a vendor file is masked from C(/etc/sysctl.d), never
        edited. C(tcptune rollback) restores every file byte for byte. Diff mode shows each file
        before and after.
    type: bool
    default: false
  netns:
    description: Change the live values of this network namespace only (C(--netns NAME|PATH)).
    type: str
  semantics:
    description: Whose precedence rules decide what wins at boot (C(--semantics)).
    type: str
    choices: [systemd, procps]
  rollback:
    description:
      - Roll back instead of applying. A transaction id (C(tcptune history)), or C(last) for
        what C(tcptune rollback) picks without an id (an unfinished transaction, else the last
        committed one).
    type: str
  force:
    description: With O(rollback), restore although a value or the fragment changed since (C(--force)).
    type: bool
    default: false
  binary:
    description: The tcptune binary (a name looked up in PATH, or a path).
    type: str
    default: tcptune
  root:
    description: Read and write everything under this directory (C(--root)), e.g. a mounted image.
    type: path
  data_dir:
    description: tcptune's data directory (C(--data-dir)).
    type: path
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - The tcptune authors
"""

EXAMPLES = r"""
- name: Bring the host to the web profile
  tcptune.tcptune.tcptune_apply:
    profile: web

- name: Live values only, in a pod's network namespace
  tcptune.tcptune.tcptune_apply:
    profile: db-client
    netns: /proc/4242/ns/net

- name: Undo the last transaction
  tcptune.tcptune.tcptune_apply:
    rollback: last
"""

RETURN = r"""
exit_code:
  description: tcptune's exit code when the task succeeds (0, or 1 for pending changes in check mode); a failed task has it in C(rc).
  returned: success
  type: int
rc:
  description: tcptune's exit code (2, 3, 4 or 5).
  returned: failure
  type: int
result:
  description: C(result) of the report (C(committed), C(nothing-to-do), C(dry-run), C(rolled-back), ...).
  returned: always
  type: str
transaction:
  description: The transaction id (apply) or the one rolled back; null when none.
  returned: always
  type: str
changes:
  description: The changes of the report (apply; rollback C(--dry-run) previews).
  returned: always
  type: list
tcptune:
  description: The whole JSON report (schema C(tcptune.apply/1) or C(tcptune.rollback/1)).
  returned: always
  type: dict
failure:
  description: On failure, C(invalid_input) (exit 2), C(refused_or_system_error) (3), C(failed_rolled_back) (4), C(failed_rollback_incomplete) (5).
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcptune.tcptune.plugins.module_utils.tcptune import (
    COMMON_ARGS, EXIT_OK, EXIT_PENDING, fail_tcptune, host_path, run_tcptune)


def lines(pairs):
    return "".join("%s = %s\n" % (k, "(not set)" if v is None else v) for k, v in pairs)


def apply_diff(module, report):
    """The fragment and the live values before and after, as tcptune reported them."""
    diffs = []
    frag = report.get("fragment")
    if frag and frag.get("write"):
        path = host_path(module, frag["path"])
        current = frag.get("current")
        diffs.append({
            "before_header": path if current is not None else "%s (absent)" % path,
            "after_header": path,
            "before": current or "",
            "after": frag.get("text") or "",
        })
    for ed in report.get("file_edits") or []:
        path = host_path(module, ed["path"])
        before = ed.get("before")
        diffs.append({
            "before_header": path if before is not None else "%s (absent)" % path,
            "after_header": path if ed.get("kind") != "mask" else "%s (masks %s)" % (path, ed.get("masks")),
            "before": before or "",
            "after": ed.get("after") or "",
        })
    if report.get("mode") != "persist-only":
        live = [c for c in report.get("changes") or [] if c.get("live_change")]
        if live:
            where = "live values" + (" (netns %s)" % report["netns"] if report.get("netns") else "")
            diffs.append({
                "before_header": where,
                "after_header": where,
                "before": lines((c["key"], c.get("current")) for c in live),
                "after": lines((c["key"], c.get("target")) for c in live),
            })
    return diffs


def rollback_diff(module, report):
    diffs = []
    frag = report.get("fragment")
    if frag:
        path = host_path(module, frag["path"])
        diffs.append({
            "before_header": path,
            "after_header": path if frag.get("restore") is not None else "%s (removed)" % path,
            "before": frag.get("current") or "",
            "after": frag.get("restore") or "",
        })
    for f in report.get("files") or []:
        path = host_path(module, f["path"])
        diffs.append({
            "before_header": path,
            "after_header": path if f.get("restore") is not None else "%s (removed)" % path,
            "before": f.get("current") or "",
            "after": f.get("restore") or "",
        })
    changes = report.get("changes") or []
    if changes:
        diffs.append({
            "before_header": "live values",
            "after_header": "live values",
            "before": lines((c["key"], c.get("current")) for c in changes),
            "after": lines((c["key"], c.get("restore")) for c in changes),
        })
    return diffs


def summary(report, rc):
    return dict(exit_code=rc, result=report.get("result"), transaction=report.get("transaction"),
                changes=report.get("changes") or [], tcptune=report)


def do_rollback(module):
    ident = module.params["rollback"]
    args = ["rollback"] + ([] if ident == "last" else [ident])
    if module.params["force"]:
        args.append("--force")
    # The preview decides: nothing to restore is changed=false (a second run, or nothing to
    # roll back), in check mode and out of it.
    rc, preview, err, argv = run_tcptune(module, args + ["--dry-run"])
    if rc not in (EXIT_OK, EXIT_PENDING) or preview is None:
        fail_tcptune(module, "tcptune rollback --dry-run", rc, preview, err, argv)
    res = summary(preview, rc)
    res["changed"] = rc == EXIT_PENDING
    if module._diff:
        res["diff"] = rollback_diff(module, preview)
    if rc == EXIT_OK or module.check_mode:
        module.exit_json(**res)
    rc, report, err, argv = run_tcptune(module, args)
    if rc != EXIT_OK or report is None or report.get("result") != "rolled-back":
        fail_tcptune(module, "tcptune rollback", rc, report, err, argv, preview=preview)
    out = summary(report, rc)
    out["changes"] = preview.get("changes") or []
    out["changed"] = True
    if module._diff:
        out["diff"] = res["diff"]
    module.exit_json(**out)


def do_apply(module):
    p = module.params
    if not p["profile"]:
        module.fail_json(msg="tcptune_apply needs profile (or rollback)", rc=None)
    args = ["apply", "--profile", p["profile"]]
    if p["fragment"]:
        args += ["--fragment", p["fragment"]]
    if p["live_only"]:
        args.append("--live-only")
    if p["persist_only"]:
        args.append("--persist-only")
    if p["persist"]:
        args.append("--persist")
    if p["allow_shadowed"]:
        args.append("--allow-shadowed")
    if p["fix_files"]:
        args.append("--fix-files")
    if p["netns"]:
        args += ["--netns", p["netns"]]
    if p["semantics"]:
        args += ["--semantics", p["semantics"]]
    if module.check_mode:
        rc, report, err, argv = run_tcptune(module, args + ["--dry-run"])
        if rc not in (EXIT_OK, EXIT_PENDING) or report is None:
            fail_tcptune(module, "tcptune apply --dry-run", rc, report, err, argv)
        if report.get("refusals"):
            # The dry run completed, but the apply itself would refuse (exit 3).
            fail_tcptune(module, "tcptune apply --dry-run (the apply would refuse)", rc, report,
                         err, argv)
        res = summary(report, rc)
        res["changed"] = rc == EXIT_PENDING
    else:
        rc, report, err, argv = run_tcptune(module, args)
        if rc != EXIT_OK or report is None:
            fail_tcptune(module, "tcptune apply", rc, report, err, argv)
        res = summary(report, rc)
        res["changed"] = report.get("result") == "committed"
    if module._diff:
        res["diff"] = apply_diff(module, report) if res["changed"] else []
    module.exit_json(**res)


def main():
    spec = dict(
        profile=dict(type="str"),
        fragment=dict(type="path"),
        live_only=dict(type="bool", default=False),
        persist_only=dict(type="bool", default=False),
        persist=dict(type="bool", default=False),
        allow_shadowed=dict(type="bool", default=False),
        fix_files=dict(type="bool", default=False),
        netns=dict(type="str"),
        semantics=dict(type="str", choices=["systemd", "procps"]),
        rollback=dict(type="str"),
        force=dict(type="bool", default=False),
    )
    spec.update(COMMON_ARGS)
    module = AnsibleModule(
        argument_spec=spec,
        supports_check_mode=True,
        # live_only with persist_only is left to tcptune (exit 2, its message).
        mutually_exclusive=[("rollback", "profile")],
        required_one_of=[("profile", "rollback")],
    )
    if module.params["rollback"]:
        do_rollback(module)
    else:
        do_apply(module)


if __name__ == "__main__":
    main()
