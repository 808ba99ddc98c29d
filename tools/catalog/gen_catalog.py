#!/usr/bin/env python3
"""Generate rules/kernel_keys.tsv, tcptune's catalog of every sysctl key.

Run by hand (or `cmake --build build --target catalog`), never at build time; the output is
checked in. Two sources, merged:

  --source DIR   a kernel tree (Debian's linux-source-6.1, extracted): the ctl_table arrays,
                 their registration paths, the type from proc_handler, the range from constant
                 extra1/extra2, read-only mode, per network namespace or global.
  --live         the running kernel: /proc/sys walked in the initial network namespace and in a
                 fresh one (`unshare -n`). A READ-ONLY walk: stat and read, never write.

Per-interface and per-device directories become patterns (net/ipv4/conf/<if>/rp_filter).
Every key records the kernel versions it was seen in; keys already in the output file keep the
versions seen earlier (run on another kernel to add its version).

It is not a C parser: comments are stripped, brace blocks that hold `.procname` entries are
tables, macro entries are expanded from #defines in the same file, registrations are matched by
regular expressions. `--report` prints what it could not resolve.
"""

import argparse
import json
import os
import re
import subprocess
import sys

# ---------------------------------------------------------------------------------------------
# Handlers: name -> (type, unit, range_from_extra)
# type: int uint ulong string other; "other" = a handler tcptune does not model.
HANDLERS = {
    "proc_dointvec": ("int", "", False),
    "proc_dointvec_minmax": ("int", "", True),
    "proc_dointvec_minmax_sysadmin": ("int", "", True),
    "proc_dointvec_minmax_coredump": ("int", "", True),
    "proc_dointvec_minmax_warn_RT_change": ("int", "", True),
    "proc_dointvec_jiffies": ("int", "seconds", False),
    "proc_dointvec_userhz_jiffies": ("int", "USER_HZ ticks", False),
    "proc_dointvec_ms_jiffies": ("int", "milliseconds", False),
    "proc_dointvec_ms_jiffies_minmax": ("int", "milliseconds", True),
    "proc_douintvec": ("uint", "", False),
    "proc_douintvec_minmax": ("uint", "", True),
    "proc_dou8vec_minmax": ("u8", "", True),
    "proc_doulongvec_minmax": ("ulong", "", True),
    "proc_doulongvec_ms_jiffies_minmax": ("ulong", "milliseconds", True),
    "proc_dobool": ("bool", "", False),
    "proc_do_static_key": ("bool", "", False),
    "proc_dostring": ("string", "", False),
    "proc_dostring_coredump": ("string", "", False),
    "proc_do_large_bitmap": ("other", "", False),
    # networking wrappers around the generic handlers
    "devinet_conf_proc": ("int", "", False),
    "devinet_sysctl_forward": ("int", "", False),
    "ipv4_doint_and_flush": ("int", "", False),
    "neigh_proc_dointvec": ("int", "", False),
    "neigh_proc_dointvec_jiffies": ("int", "seconds", False),
    "neigh_proc_dointvec_ms_jiffies": ("int", "milliseconds", False),
    "neigh_proc_dointvec_userhz_jiffies": ("int", "USER_HZ ticks", False),
    "neigh_proc_dointvec_unres_qlen": ("int", "", False),
    "neigh_proc_dointvec_zero_intmax": ("int", "", True),
    "neigh_proc_base_reachable_time": ("int", "", False),
    "addrconf_sysctl_forward": ("int", "", False),
    "addrconf_sysctl_mtu": ("int", "", True),
    "addrconf_sysctl_disable": ("int", "", False),
    "addrconf_sysctl_proxy_ndp": ("int", "", False),
    "addrconf_sysctl_addr_gen_mode": ("int", "", False),
    "addrconf_sysctl_stable_secret": ("string", "", False),
    "addrconf_sysctl_ignore_routes_with_linkdown": ("int", "", False),
    "addrconf_sysctl_disable_policy": ("int", "", False),
    "ipv6_sysctl_rtcache_flush": ("int", "", False),
    "proc_tcp_congestion_control": ("string", "", False),
    "proc_allowed_congestion_control": ("string", "", False),
    "proc_tcp_available_congestion_control": ("string", "", False),
    "proc_tcp_available_ulp": ("string", "", False),
}

SYSCTL_CONSTS = {
    "SYSCTL_ZERO": 0, "SYSCTL_ONE": 1, "SYSCTL_TWO": 2, "SYSCTL_THREE": 3, "SYSCTL_FOUR": 4,
    "SYSCTL_ONE_HUNDRED": 100, "SYSCTL_TWO_HUNDRED": 200, "SYSCTL_ONE_THOUSAND": 1000,
    "SYSCTL_THREE_THOUSAND": 3000, "SYSCTL_INT_MAX": 2**31 - 1, "SYSCTL_MAXOLDUID": 65535,
    "SYSCTL_NEG_ONE": -1, "SYSCTL_LONG_ZERO": 0, "SYSCTL_LONG_ONE": 1,
    "SYSCTL_LONG_MAX": 2**63 - 1,
}
C_CONSTS = {
    "INT_MAX": 2**31 - 1, "INT_MIN": -(2**31), "UINT_MAX": 2**32 - 1, "LONG_MAX": 2**63 - 1,
    "ULONG_MAX": 2**64 - 1, "U8_MAX": 255, "U16_MAX": 65535, "U32_MAX": 2**32 - 1,
    "S32_MAX": 2**31 - 1, "MSEC_PER_SEC": 1000, "USEC_PER_SEC": 1000000,
    "NSEC_PER_SEC": 1000000000, "USEC_PER_MSEC": 1000, "NSEC_PER_MSEC": 1000000,
    "NSEC_PER_USEC": 1000, "SZ_1K": 1024, "SZ_1M": 1 << 20, "SZ_1G": 1 << 30,
    "TCP_PAWS_MSL": 60, "MAX_TCP_WINDOW": 32767, "CHAR_BIT": 8, "U64_MAX": 2**64 - 1,
    # Header constants behind the ranges of net.* keys (the file's own #defines are read; the
    # headers are not): include/net/ip.h, include/net/tcp.h, include/net/ipv6.h,
    # include/uapi/linux/ioam6.h.
    "IPV4_MIN_MTU": 68, "TCP_MIN_SND_MSS": 48, "MAX_TCP_SYNCNT": 127,
    "IP6_AUTO_FLOW_LABEL_FORCED": 3, "IP6_AUTO_FLOW_LABEL_MAX": 3,
    "IOAM6_DEFAULT_ID": (2**32 - 1) >> 8, "IOAM6_DEFAULT_ID_WIDE": (2**64 - 1) >> 8,
}

# Patterns: a directory whose entries are interfaces or devices.
PATTERN_DIRS = [
    (re.compile(r"^net/(ipv4|ipv6|mpls)/conf/([^/]+)/"), 3, "<if>"),
    (re.compile(r"^net/(ipv4|ipv6)/neigh/([^/]+)/"), 3, "<if>"),
    (re.compile(r"^net/(ax25|rose|x25)/([^/]+)/"), 2, "<if>"),
    (re.compile(r"^dev/parport/([^/]+)/"), 2, "<port>"),
    (re.compile(r"^kernel/sched_domain/([^/]+)/([^/]+)/"), 2, "<cpu>"),
]


# Keys of this machine's own kernel patches, not of mainline Linux: not catalogued.
NOT_MAINLINE = ("kernel/init_private", "kernel/sched_vcpu_pack", "vm/oom_kill_now",
                "vm/read_ahead_most_kb")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    # Line continuations, then preprocessor conditionals (kept: every branch counts).
    text = text.replace("\\\n", " ")
    # Conditionals go (every branch counts); #define stays for macro expansion.
    text = re.sub(r"^[ \t]*#[ \t]*(?:if|ifdef|ifndef|elif|else|endif)\b[^\n]*", "", text,
                  flags=re.M)
    return text


def match_brace(text, i):
    """text[i] == '{' (or '('); the index of the matching close."""
    open_c = text[i]
    close_c = {"{": "}", "(": ")"}[open_c]
    depth = 0
    in_str = False
    j = i
    while j < len(text):
        c = text[j]
        if in_str:
            if c == "\\":
                j += 2
                continue
            if c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c == open_c:
            depth += 1
        elif c == close_c:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def split_top(text, sep=","):
    """Splits at sep outside braces, parentheses and strings."""
    out, depth, cur, in_str, i = [], 0, [], False, 0
    while i < len(text):
        c = text[i]
        if in_str:
            cur.append(c)
            if c == "\\" and i + 1 < len(text):
                cur.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            cur.append(c)
        elif c in "({[":
            depth += 1
            cur.append(c)
        elif c in ")}]":
            depth -= 1
            cur.append(c)
        elif c == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        out.append("".join(cur))
    return out


def parse_defines(text):
    defs = {}
    for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+(\w+)(\(([^)]*)\))?[ \t]*(.*)$", text, re.M):
        name, params, body = m.group(1), m.group(3), m.group(4).strip()
        if m.group(2) is not None:
            defs[name] = ([p.strip() for p in params.split(",") if p.strip()], body)
        else:
            defs.setdefault(name, (None, body))
    return defs


def expand_macro(defs, name, args, depth=0):
    params, body = defs[name]
    if params is None or len(params) != len(args):
        if not (params and params[-1] == "..."):
            return None
    sub = dict(zip(params, [a.strip() for a in args]))
    # stringification and pasting
    body = re.sub(r"#\s*(\w+)", lambda m: '"%s"' % sub.get(m.group(1), m.group(1))
                  if m.group(1) in sub else m.group(0), body)
    body = re.sub(r"\b(\w+)\b", lambda m: sub.get(m.group(1), m.group(1)), body)
    body = re.sub(r"\s*##\s*", "", body)
    if depth < 4:
        body = expand_calls(defs, body, depth + 1)
    return body


def expand_calls(defs, text, depth=0):
    out, i = [], 0
    for m in re.finditer(r"\b([A-Z_][A-Z0-9_]*)\s*\(", text):
        if m.start() < i or m.group(1) not in defs or defs[m.group(1)][0] is None:
            continue
        end = match_brace(text, m.end() - 1)
        if end < 0:
            continue
        args = split_top(text[m.end():end])
        exp = expand_macro(defs, m.group(1), args, depth)
        if exp is None:
            continue
        out.append(text[i:m.start()])
        out.append(exp)
        i = end + 1
    out.append(text[i:])
    return "".join(out)


class Entry:
    def __init__(self, fields, file, table):
        self.f = fields
        self.file = file
        self.table = table


def parse_entry(body):
    fields = {}
    for part in split_top(body):
        m = re.match(r"\s*\.(\w+)\s*=\s*(.*)$", part, re.S)
        if m:
            fields[m.group(1)] = " ".join(m.group(2).split())
    return fields


def find_tables(text, defs):
    """Brace blocks whose direct children are ctl_table entries: name -> [fields]."""
    tables = {}
    for m in re.finditer(r"(?:struct\s+ctl_table\s+(\w+)\s*\[[^\]]*\]|\.(\w+))\s*=\s*\{", text):
        name = m.group(1) or m.group(2)
        start = m.end() - 1
        end = match_brace(text, start)
        if end < 0:
            continue
        block = text[start + 1:end]
        if ".procname" not in block and not re.search(r"\b[A-Z_][A-Z0-9_]*\s*\(", block):
            continue
        block = re.sub(r"^[ \t]*#[ \t]*define[^\n]*", "", block, flags=re.M)
        block = expand_calls(defs, block)
        entries = []
        for item in split_top(block):
            item = re.sub(r"^\s*\[[^\]]*\]\s*=\s*", "", item).strip()
            if not item.startswith("{"):
                continue
            e_end = match_brace(item, 0)
            f = parse_entry(item[1:e_end])
            if "procname" in f:
                entries.append(f)
        if entries and (m.group(1) or all("mode" in e or "child" in e for e in entries)):
            tables.setdefault(name, entries)
    return tables


def c_int(expr, consts):
    expr = expr.strip()
    if not expr:
        return None
    e = re.sub(r"\((?:unsigned\s+)?(?:int|long|long long|u8|u16|u32|u64|s32|s64)\)", "", expr)
    e = re.sub(r"(\d+)[uUlL]+\b", r"\1", e)
    for _ in range(4):
        e2 = re.sub(r"\b([A-Za-z_]\w*)\b",
                    lambda m: str(consts[m.group(1)]) if m.group(1) in consts else m.group(1), e)
        if e2 == e:
            break
        e = e2
    if not re.fullmatch(r"[\d\s+\-*/()<>x%a-fA-F]*", e) or re.search(r"[g-wyzG-WYZ_]", e):
        return None
    e = e.replace("/", "//")
    try:
        v = eval(e, {"__builtins__": {}})  # only digits and operators remain
        return int(v)
    except Exception:
        return None


def file_consts(text, defs):
    consts = dict(C_CONSTS)
    for name, (params, body) in defs.items():
        if params is None:
            v = c_int(body, consts)
            if v is not None:
                consts[name] = v
    for m in re.finditer(r"^\s*(?:static\s+)?(?:const\s+)?(?:unsigned\s+)?(?:int|long|u8|u32|"
                         r"u64|unsigned|u16|s32)\s+(?:const\s+)?(\w+)\s*(?:__read_mostly\s*)?"
                         r"(?:=\s*([^;,{]+))?;", text, re.M):
        if m.group(2) is not None:
            v = c_int(m.group(2), consts)
        else:
            # A static without an initializer is 0 (static int dist_min;), unless the file sets
            # it at run time (i915's oa_sample_rate_hard_limit): then it is no constant.
            rest = text[:m.start()] + text[m.end():]
            assigned = re.search(r"\b%s\s*(?:=(?!=)|\+=|-=|\+\+|--)|(?:\+\+|--)\s*%s\b"
                                 % (re.escape(m.group(1)), re.escape(m.group(1))), rest)
            v = None if assigned else 0
        if v is not None:
            consts[m.group(1)] = v
    return consts


def extra_value(expr, consts):
    if not expr:
        return None
    expr = re.sub(r"^\(\s*void\s*\*\s*\)\s*", "", expr.strip())  # (void *)SYSCTL_ONE
    if expr in SYSCTL_CONSTS:
        return SYSCTL_CONSTS[expr]
    m = re.fullmatch(r"\(?\s*(?:\(\s*void\s*\*\s*\))?\s*&\s*(\w+)\s*\)?", expr)
    if m and m.group(1) in consts:
        return consts[m.group(1)]
    return None


def array_len(symbol, text, all_decls):
    m = re.search(r"\b%s\s*\[\s*([^\]]+)\]" % re.escape(symbol), text)
    if m:
        return m.group(1)
    return all_decls.get(symbol)


def path_variants(fmt):
    """A registration path with %s/%d holes -> concrete paths with placeholders."""
    if "%" not in fmt:
        return [fmt]
    if fmt.startswith("net/%s/neigh/"):
        fmt_rest = fmt[len("net/%s/neigh/"):]
        return ["net/ipv4/neigh/" + fmt_rest.replace("%s", "<if>"),
                "net/ipv6/neigh/" + fmt_rest.replace("%s", "<if>")]
    if fmt.startswith("dev/parport/"):
        return [re.sub(r"%[sd]", "<port>", fmt, count=1).replace("%s", "<dev>")]
    return [re.sub(r"%[-\w]*[sd]", "<if>", fmt)]


class SourceScan:
    def __init__(self, root):
        self.root = root
        self.keys = {}        # path -> info
        self.unresolved = []  # (file, table, reason)
        self.total_entries = 0
        self.decls = {}
        self.walked = set()
        self.unwalked_entries = 0

    def run(self):
        files = []
        for d, _, names in os.walk(self.root):
            if "/Documentation" in d or "/tools" in d or "/scripts" in d or "/samples" in d:
                continue
            for n in names:
                if n.endswith(".c"):
                    files.append(os.path.join(d, n))
        files.sort()
        decl_re = re.compile(r"\b(?:int|long|unsigned long|u32|unsigned int)\s+(\w+)\s*\[\s*"
                             r"([^\]\s][^\]]*)\]\s*(?:=|;)")
        texts = {}
        for p in files:
            with open(p, errors="replace") as fh:
                raw = fh.read()
            if "ctl_table" not in raw and "sysctl" not in raw:
                continue
            t = strip_comments(raw)
            texts[p] = t
            for m in decl_re.finditer(t):
                self.decls.setdefault(m.group(1), m.group(2))
        # Pass 1: every file's tables, constants, and functions that return a copy of a table
        # (ipv6_icmp_sysctl_init() returns kmemdup(ipv6_icmp_table_template)).
        self.files = {}
        self.global_tables = {}
        self.func_returns = {}
        for p, t in texts.items():
            if "ctl_table" not in t:
                continue
            defs = parse_defines(t)
            tables = find_tables(t, defs)
            consts = file_consts(t, defs)
            self.files[p] = (t, defs, tables, consts)
            for name in tables:
                self.global_tables.setdefault(name, []).append(p)
            for m in re.finditer(r"\bstruct\s+ctl_table\s*\*\s*(?:__\w+\s+)*(\w+)\s*\([^)]*\)\s*\{", t):
                end = match_brace(t, m.end() - 1)
                km = re.search(r"kmemdup\s*\(\s*(\w+)", t[m.end():end])
                if km and km.group(1) in tables:
                    self.func_returns[m.group(1)] = (p, km.group(1))
        for p in self.files:
            self.scan_file(p)
        self.report_unwalked()
        # drivers/parport/procfs.c builds its tree at run time from templates whose .child
        # links are set in code: the paths by hand, types from the template's handlers.
        parport = os.path.join(self.root, "drivers/parport/procfs.c")
        if os.path.exists(parport):
            def pp(path, typ, unit="", mn=None, mx=None, ro=False):
                self.keys[path] = {"type": typ, "unit": unit, "min": mn, "max": mx, "count": 1,
                                   "ro": ro, "wo": False, "netns": "no",
                                   "src": "drivers/parport/procfs.c"}
            pp("dev/parport/<port>/spintime", "int", "microseconds")
            for n in ("base-addr", "irq", "dma", "modes"):
                pp("dev/parport/<port>/" + n, "other", ro=True)
            for n in ("autoprobe", "autoprobe0", "autoprobe1", "autoprobe2", "autoprobe3"):
                pp("dev/parport/<port>/" + n, "other", ro=True)
            pp("dev/parport/<port>/devices/active", "other", ro=True)
            pp("dev/parport/<port>/devices/<dev>/timeslice", "ulong", "milliseconds")
            pp("dev/parport/default/timeslice", "ulong", "milliseconds")
            pp("dev/parport/default/spintime", "int", "microseconds")
        # Tables whose procnames are computed at run time.
        nf_log = os.path.join(self.root, "net/netfilter/nf_log.c")
        if os.path.exists(nf_log):
            # nf_log_sysctl_init(): one entry per protocol family, named by its number
            # (NFPROTO_NUMPROTO = 11 entries in 6.1, "0" to "10"), handled by nf_log_proc_dostring.
            for i in range(11):
                self.keys["net/netfilter/nf_log/%d" % i] = {
                    "type": "string", "unit": "", "min": None, "max": None, "count": 1,
                    "ro": False, "wo": False, "netns": "yes", "src": "net/netfilter/nf_log.c"}

    def add(self, path, e, file, consts, text, netns):
        ptype, unit, ranged = HANDLERS.get(re.sub(r"^&", "", e.get("proc_handler", "")).strip(),
                                           ("other", "", False))
        mode = e.get("mode", "0644")
        try:
            mode_i = int(mode, 8)
        except ValueError:
            mode_i = None
        info = {"type": ptype, "unit": unit, "min": None, "max": None, "count": 1,
                "ro": mode_i is not None and (mode_i & 0o222) == 0,
                "wo": mode_i is not None and (mode_i & 0o444) == 0,
                "netns": netns, "src": os.path.relpath(file, self.root)}
        if ranged:
            info["min"] = extra_value(e.get("extra1"), consts)
            info["max"] = extra_value(e.get("extra2"), consts)
        if ptype == "u8":
            info["type"] = "uint"
            if info["max"] is None:
                info["max"] = 255
            if info["min"] is None:
                info["min"] = 0
        if ptype == "bool":
            info["type"] = "int"
        maxlen = e.get("maxlen", "")
        if ptype in ("int", "uint", "ulong", "u8", "bool"):
            elem = 8 if ptype == "ulong" else 4
            m = re.fullmatch(r"\(?\s*(\d+)\s*\*\s*sizeof\s*\(\s*\w+(?:\s+\w+)?\s*\)\s*\)?|"
                             r"sizeof\s*\(\s*\w+(?:\s+\w+)?\s*\)\s*\*\s*(\d+)", maxlen)
            if m:
                info["count"] = int(m.group(1) or m.group(2))
            else:
                m = re.fullmatch(r"sizeof\s*\(?\s*([\w.\->]+)\s*\)?", maxlen)
                if m:
                    sym = re.split(r"\.|->", m.group(1))[-1]
                    n = array_len(sym, text, self.decls)
                    if n is not None:
                        v = c_int(n, consts)
                        if v and v > 1:
                            info["count"] = v
        old = self.keys.get(path)
        if old is None or (old["type"] == "other" and info["type"] != "other"):
            self.keys[path] = info

    def table_ref(self, file, name):
        """(file, table name) for a name seen in file: that file's table, else a unique one."""
        if name in self.files[file][2]:
            return (file, name)
        owners = self.global_tables.get(name, [])
        if len(owners) == 1:
            return (owners[0], name)
        return None

    def walk(self, prefix, ref, netns, seen=()):
        file, table = ref
        text, _, tables, consts = self.files[file]
        self.walked.add(ref)
        for e in tables.get(table, []):
            name = e["procname"].strip()
            m = re.fullmatch(r'"([^"]*)"', name)
            if not m:
                sm = re.search(r"\b%s\s*\[[^\]]*\]\s*=\s*\"([^\"]*)\"" % re.escape(name), text)
                if sm:
                    m = sm
            if not m:
                self.unresolved.append((file, table, "procname " + name))
                continue
            path = (prefix + "/" + m.group(1)).strip("/") if prefix else m.group(1)
            child = e.get("child")
            if child:
                c = self.table_ref(file, child.lstrip("&").strip())
                if c is not None and c not in seen:
                    self.walk(path, c, netns, seen + (c,))
                else:
                    self.unresolved.append((file, table, "child " + child))
                continue
            self.add(path, e, file, consts, text, netns)

    def resolve_table(self, file, arg, func_text):
        arg = arg.strip().lstrip("&")
        name = re.split(r"\.|->", arg)[-1].strip()
        name = re.sub(r"\[.*$", "", name)
        ref = self.table_ref(file, name)
        if ref:
            return ref
        # table = kmemdup(X, ...), table = X, table = f(...) where f returns kmemdup(X)
        for src in (func_text, self.files[file][0]):
            for m in re.finditer(r"\b%s\s*=\s*(?:kmemdup\s*\(\s*)?&?\s*(\w+)" % re.escape(name),
                                 src):
                ref = self.table_ref(file, m.group(1))
                if ref:
                    return ref
                if m.group(1) in self.func_returns:
                    return self.func_returns[m.group(1)]
        return None

    def resolve_path(self, arg, func_text, file_text, paths_arrays, defs):
        arg = arg.strip()
        if arg in defs and defs[arg][0] is None:
            arg = defs[arg][1]
        m = re.fullmatch(r'"([^"]*)"', arg)
        if m:
            return path_variants(m.group(1))
        name = re.split(r"\.|->", arg)[-1].strip()
        for src in (func_text, file_text):
            m = re.search(r"snprintf\s*\(\s*%s\s*,[^,]+,\s*\"([^\"]+)\"" % re.escape(name), src)
            if m:
                return path_variants(m.group(1))
            m = re.search(r"\b%s\s*\[\s*\]\s*=\s*\"([^\"]+)\"" % re.escape(name), src)
            if m:
                return path_variants(m.group(1))
            m = re.search(r"\b%s\s*=\s*\"([^\"]+)\"" % re.escape(name), src)
            if m:
                return path_variants(m.group(1))
        if name in paths_arrays:
            return [paths_arrays[name]]
        return None

    def scan_file(self, file):
        text, defs, tables, consts = self.files[file]
        if not tables:
            return
        for t in tables.values():
            self.total_entries += sum(1 for e in t if "child" not in e)
        paths_arrays = {}
        for m in re.finditer(r"struct\s+ctl_path\s+(\w+)\s*\[[^\]]*\]\s*=\s*\{", text):
            end = match_brace(text, m.end() - 1)
            names = re.findall(r'\.procname\s*=\s*"([^"]*)"', text[m.end():end])
            paths_arrays[m.group(1)] = "/".join(names)
        # function bodies, for local variables
        funcs = [(mm.start(), match_brace(text, mm.end() - 1))
                 for mm in re.finditer(r"\)\s*\n\{", text)]

        def func_of(pos):
            for s, e in funcs:
                if s <= pos <= e:
                    return text[s:e]
            return text

        for m in re.finditer(r"\b(register_net_sysctl|register_sysctl_init|register_sysctl|"
                             r"register_sysctl_paths|register_sysctl_table|"
                             r"register_sysctl_base|__register_sysctl_table)\s*\(", text):
            end = match_brace(text, m.end() - 1)
            args = split_top(text[m.end():end])
            fn = m.group(1)
            ftext = func_of(m.start())
            netns = "no"
            if re.match(r"\s*(?:struct|const|int|void)\b", args[0] if args else ""):
                continue  # the declaration or definition itself
            if fn == "register_net_sysctl":
                if len(args) < 3:
                    continue
                netns = "no" if args[0].strip() == "&init_net" else "yes"
                paths = self.resolve_path(args[1], ftext, text, paths_arrays, defs)
                table = self.resolve_table(file, args[2], ftext)
            elif fn in ("register_sysctl", "register_sysctl_init"):
                if len(args) < 2:
                    continue
                paths = self.resolve_path(args[0], ftext, text, paths_arrays, defs)
                table = self.resolve_table(file, args[1], ftext)
            elif fn == "register_sysctl_paths":
                paths = self.resolve_path(args[0], ftext, text, paths_arrays, defs)
                table = self.resolve_table(file, args[1], ftext)
            elif fn == "register_sysctl_base":
                base = args[0].strip()
                dm = re.search(r"DECLARE_SYSCTL_BASE\(\s*%s\s*,\s*(\w+)\s*\)" % base, text)
                paths = [base]
                table = self.table_ref(file, dm.group(1)) if dm else None
            elif fn == "__register_sysctl_table":
                if len(args) < 3 or file.endswith("proc_sysctl.c") or \
                        file.endswith("net/sysctl_net.c"):
                    continue
                paths = self.resolve_path(args[1], ftext, text, paths_arrays, defs)
                table = self.resolve_table(file, args[2], ftext)
            else:  # register_sysctl_table(root)
                paths = [""]
                table = self.resolve_table(file, args[0], ftext)
            if table is None or paths is None:
                self.unresolved.append((file, table[1] if table else args[-1].strip(),
                                        "registration " + " ".join(text[m.start():end + 1]
                                                                   .split())[:120]))
                continue
            for p in paths:
                if fn != "register_net_sysctl" and p.startswith("net/"):
                    netns = "no"
                self.walk(p, table, netns, (table,))

    def report_unwalked(self):
        for file, (text, defs, tables, consts) in self.files.items():
            children = set()
            for t in tables.values():
                for e in t:
                    if "child" in e:
                        children.add(e["child"].lstrip("&").strip())
            for name, t in tables.items():
                if (file, name) not in self.walked and name not in children:
                    n = sum(1 for e in t if "child" not in e)
                    self.unresolved.append((file, name, "table not registered (%d entries)" % n))
                    self.unwalked_entries += n


# ---------------------------------------------------------------------------------------------
# Live walk (read only)

def live_walk(root="/proc/sys"):
    out = {}
    for d, dirs, names in os.walk(root):
        rel_d = os.path.relpath(d, root)
        if rel_d == "fs/binfmt_misc" or rel_d.startswith("fs/binfmt_misc/"):
            dirs[:] = []
            continue
        dirs.sort()
        for n in sorted(names):
            p = os.path.join(d, n)
            rel = os.path.relpath(p, root)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            shape = None
            if st.st_mode & 0o444:
                try:
                    with open(p, "rb") as fh:
                        data = fh.read(65536)
                    text = data.decode("utf-8", "replace").strip()
                    fields = text.split()
                    if fields and all(re.fullmatch(r"-?\d+", f) for f in fields):
                        shape = "ints:%d" % len(fields)
                    else:
                        shape = "text"
                except OSError:
                    shape = None
            out[rel] = {"mode": st.st_mode & 0o777, "shape": shape}
    return out


def patternize(path):
    for rx, idx, ph in PATTERN_DIRS:
        m = rx.match(path)
        if m:
            parts = path.split("/")
            parts[idx] = ph
            if ph == "<cpu>":
                parts[idx + 1] = "<domain>"
            return "/".join(parts)
    return None


def live_keys():
    init = live_walk()
    try:
        res = subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__),
                              "--walk-json"], check=True, capture_output=True, text=True)
        fresh = json.loads(res.stdout)
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit("gen_catalog: cannot walk a fresh network namespace (unshare -n): %s" % e)
    keys = {}
    for origin, walk in (("init", init), ("fresh", fresh)):
        for rel, v in walk.items():
            if any(rel.startswith(x) for x in NOT_MAINLINE):
                continue
            # all/default/lo/eth0 are all covered by the pattern: an explicit key would carry
            # only this kernel's version and contradict the pattern's.
            for p in [patternize(rel) or rel]:
                k = keys.setdefault(p, {"init": None, "fresh": None, "shape": None})
                k[origin] = v["mode"]
                if v["shape"] and (k["shape"] is None or origin == "init"):
                    k["shape"] = v["shape"]
    return keys


# ---------------------------------------------------------------------------------------------

HEADER = """\
# tcptune generated key catalog. DO NOT EDIT: regenerate with tools/catalog/gen_catalog.py
# (README there). Curated knowledge (rules/keys.toml) is merged over this at load time.
# One key per line, tab-separated:
#   path  type  min  max  count  flags  versions  unit
# path: relative /proc/sys path; a <...> segment matches any one directory name (interfaces,
#   devices). type: int uint ulong string other. min/max: range from the handler's constant
#   extra1/extra2 ("-" = none). count: integers in the value (1 = a scalar). flags: letters,
#   "-" for none: n = per network namespace, g = global (net.* only), r = read-only (0444),
#   w = write-only, c = read-only in a child network namespace, e = the kernel enforces the
#   range (EINVAL). versions: comma-separated kernels the key was seen in. unit: free text.
"""


def load_existing(path, source_versions):
    keys = {}
    if not os.path.exists(path):
        return keys
    with open(path) as fh:
        for line in fh:
            if line.startswith("#! source "):
                source_versions.update(line.split()[2].split(","))
                continue
            if line.startswith("#") or not line.strip():
                continue
            f = line.rstrip("\n").split("\t")
            keys[f[0]] = f
    return keys


def vkey(v):
    return tuple(int(x) for x in v.split("."))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", help="extracted kernel tree (linux-source-6.1)")
    ap.add_argument("--source-version", default="6.1")
    ap.add_argument("--live", action="store_true", help="walk this machine's /proc/sys")
    ap.add_argument("--live-version", help="X.Y of the running kernel (default: uname -r)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                  "rules", "kernel_keys.tsv"))
    ap.add_argument("--fresh", action="store_true", help="drop the keys of the existing output")
    ap.add_argument("--report", action="store_true", help="print what could not be resolved")
    ap.add_argument("--walk-json", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.walk_json:
        json.dump(live_walk(), sys.stdout)
        return

    source_versions = set()
    existing = {} if a.fresh else load_existing(a.out, source_versions)
    merged = {}  # path -> dict

    def entry(path):
        if path not in merged:
            merged[path] = {"type": "other", "min": None, "max": None, "count": 1, "flags": set(),
                            "versions": set(), "unit": "", "typed_by": None}
        return merged[path]

    for path, f in existing.items():
        e = entry(path)
        e["type"] = f[1]
        e["min"] = None if f[2] == "-" else int(f[2])
        e["max"] = None if f[3] == "-" else int(f[3])
        e["count"] = int(f[4])
        e["flags"] = set() if f[5] == "-" else set(f[5])
        e["versions"] = set(f[6].split(","))
        e["unit"] = f[7] if len(f) > 7 else ""
        e["typed_by"] = "existing"

    if a.source:
        source_versions.add(a.source_version)
        scan = SourceScan(a.source)
        scan.run()
        for path, info in scan.keys.items():
            e = entry(path)
            e["versions"].add(a.source_version)
            e["type"] = info["type"]
            e["min"], e["max"], e["count"] = info["min"], info["max"], info["count"]
            e["unit"] = info["unit"]
            fl = set(x for x in e["flags"] if x not in "ngrwe")
            if path.startswith("net/"):
                fl.add("n" if info["netns"] == "yes" else "g")
            if info["ro"]:
                fl.add("r")
            if info["wo"]:
                fl.add("w")
            if info["min"] is not None or info["max"] is not None:
                fl.add("e")
            e["flags"] = fl
            e["typed_by"] = "source"
        print("gen_catalog: %s: %d ctl_table entries, %d keys with a path, %d entries in tables "
              "never registered, %d problems" % (a.source, scan.total_entries, len(scan.keys),
                                                 scan.unwalked_entries, len(scan.unresolved)),
              file=sys.stderr)
        if a.report:
            for u in scan.unresolved:
                print("  unresolved: %s: %s: %s" % (os.path.relpath(u[0], a.source), u[1], u[2]),
                      file=sys.stderr)

    if a.live:
        ver = a.live_version
        if not ver:
            ver = ".".join(os.uname().release.split(".")[:2])
            ver = re.match(r"\d+\.\d+", ver).group(0)
        live = live_keys()
        for path, k in live.items():
            e = entry(path)
            e["versions"].add(ver)
            mode = k["init"] if k["init"] is not None else k["fresh"]
            fl = e["flags"]
            if path.startswith("net/"):
                fl.discard("n")
                fl.discard("g")
                fl.discard("c")
                if k["fresh"] is None:
                    fl.add("g")
                else:
                    fl.add("n")
                    if k["init"] is not None and (k["init"] & 0o222) and not (k["fresh"] & 0o222):
                        fl.add("c")
            if (mode & 0o222) == 0:
                fl.add("r")
            else:
                fl.discard("r")
            if (mode & 0o444) == 0:
                fl.add("w")
            shape = k["shape"]
            if e["typed_by"] is None:
                if shape and shape.startswith("ints:"):
                    e["type"] = "int"
                    e["count"] = int(shape.split(":")[1])
                elif shape == "text":
                    e["type"] = "string"
                e["typed_by"] = "live"
            elif shape and shape.startswith("ints:") and e["type"] in ("int", "uint", "ulong"):
                n = int(shape.split(":")[1])
                if n > e["count"]:
                    e["count"] = n
        print("gen_catalog: live %s: %d keys and patterns" % (ver, len(live)), file=sys.stderr)

    lines = []
    for path in sorted(merged):
        e = merged[path]
        if e["type"] == "other" and e["count"] != 1:
            e["count"] = 1
        fl = "".join(sorted(e["flags"])) or "-"
        lines.append("\t".join([
            path, e["type"],
            "-" if e["min"] is None else str(e["min"]),
            "-" if e["max"] is None else str(e["max"]),
            str(e["count"]), fl,
            ",".join(sorted(e["versions"], key=vkey)), e["unit"]]))
    with open(a.out, "w") as fh:
        fh.write(HEADER)
        # Versions whose whole source was scanned: absence there means "not in that kernel".
        fh.write("#! source %s\n" % ",".join(sorted(source_versions, key=vkey)))
        for ln in lines:
            fh.write(ln.rstrip("\t") + "\n")
    print("gen_catalog: wrote %d keys to %s" % (len(lines), a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
