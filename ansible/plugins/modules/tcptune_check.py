#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (C) 2026 The tcptune authors
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: tcptune_check
short_description: tcptune check as facts - findings, pending changes, measured rates
description:
  - Runs C(tcptune check --format json) (read-only, so also in check mode) and returns its
    report as the fact C(tcptune) - C(findings), C(changes), C(rates), C(metrics), C(profile),
    C(summary), C(kernel), C(netns).
  - Never changes anything (C(changed=false)). Exit 0 (clean) and 1 (findings at or above
    O(fail_on), or changes pending) are a complete report, not a failure; judge the facts. Exit
    2 (invalid input) and 3 (system error) fail the task with tcptune's exit code and message.
version_added: "0.1.0"
options:
  profile:
    description: The profile to check against (default - the one tcptune detects from the sockets).
    type: str
  kernel:
    description: Judge for this kernel release (C(--kernel X.Y[.Z])).
    type: str
  no_sockets:
    description: Skip the socket census (C(--no-sockets)).
    type: bool
    default: false
  sample:
    description: The census's sampling (C(--sample auto|DURATION), C(0) for one snapshot).
    type: str
  netns:
    description: Check inside this network namespace (C(--netns NAME|PATH)).
    type: str
  semantics:
    description: C(--semantics systemd|procps).
    type: str
    choices: [systemd, procps]
  no_owners:
    description: Do not look up the processes owning the sockets findings are about (C(--no-owners)).
    type: bool
    default: false
  fail_on:
    description: C(--fail-on); decides tcptune's exit code (returned as C(exit_code)), not the task's result.
    type: str
    choices: [error, warning, info]
  binary:
    description: The tcptune binary (a name looked up in PATH, or a path).
    type: str
    default: tcptune
  root:
    description: Read everything under this directory (C(--root)).
    type: path
  data_dir:
    description: tcptune's data directory (C(--data-dir)).
    type: path
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author:
  - The tcptune authors
"""

EXAMPLES = r"""
- name: Gather tcptune's findings
  tcptune.tcptune.tcptune_check:
    profile: web

- name: Fail hosts with errors
  ansible.builtin.assert:
    that: ansible_facts.tcptune.summary.errors == 0
"""

RETURN = r"""
exit_code:
  description: tcptune's exit code (0 clean, 1 findings or changes pending); a failed task (exit 2 or 3) has it in C(rc).
  returned: success
  type: int
ansible_facts:
  description: C(tcptune) - C(findings), C(changes), C(rates) (the census's per-second metrics), C(owners) (per finding with owners - its C(code), C(key) and the processes, units and containers tcptune found holding its sockets, as in the report), C(metrics), C(profile), C(summary), C(kernel), C(netns), C(report) (the whole tcptune.check/1 JSON).
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcptune.tcptune.plugins.module_utils.tcptune import (
    COMMON_ARGS, EXIT_OK, EXIT_PENDING, fail_tcptune, run_tcptune)


def main():
    spec = dict(
        profile=dict(type="str"),
        kernel=dict(type="str"),
        no_sockets=dict(type="bool", default=False),
        no_owners=dict(type="bool", default=False),
        sample=dict(type="str"),
        netns=dict(type="str"),
        semantics=dict(type="str", choices=["systemd", "procps"]),
        fail_on=dict(type="str", choices=["error", "warning", "info"]),
    )
    spec.update(COMMON_ARGS)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    args = ["check"]
    for opt in ("profile", "kernel", "sample", "netns", "semantics"):
        if p[opt]:
            args += ["--" + opt, p[opt]]
    if p["fail_on"]:
        args += ["--fail-on", p["fail_on"]]
    if p["no_sockets"]:
        args.append("--no-sockets")
    if p["no_owners"]:
        args.append("--no-owners")
    rc, report, err, argv = run_tcptune(module, args)
    if rc not in (EXIT_OK, EXIT_PENDING) or report is None:
        fail_tcptune(module, "tcptune check", rc, report, err, argv)
    sockets = report.get("sockets") or {}
    metrics = sockets.get("metrics") or {}
    facts = dict(
        findings=report.get("findings") or [],
        changes=report.get("changes") or [],
        # The census's measured (or lower-bound) rates, as tcptune computed them.
        rates=dict((k, v) for k, v in metrics.items()
                   if k.endswith("_per_s") or k in ("rate_source", "sample_seconds")),
        # Who holds the sockets of each finding (tcptune's lookup, as it reported it).
        owners=[dict(code=f.get("code"), key=f.get("key"), owners=f["owners"])
                for f in report.get("findings") or [] if f.get("owners")],
        metrics=metrics,
        profile=report.get("profile"),
        summary=report.get("summary"),
        kernel=report.get("kernel"),
        netns=report.get("netns"),
        report=report,
    )
    module.exit_json(changed=False, exit_code=rc, ansible_facts=dict(tcptune=facts))


if __name__ == "__main__":
    main()
