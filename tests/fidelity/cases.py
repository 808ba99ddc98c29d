"""Trees for the differential test (differential.py): hand-written cases, one per behaviour where
the programs differ from each other or from a naive reading, and generated ones. Only net.* keys:
differential.check_tree() refuses anything else before a program runs."""

E = "etc/sysctl.d/"
R = "run/sysctl.d/"
U = "usr/lib/sysctl.d/"
L = "usr/local/lib/sysctl.d/"


def hand_written():
    t = []

    def case(name, tree):
        t.append({"name": name, "tree": tree})

    case("spellings", {E + "10-a.conf":
                       "/net/ipv4/tcp_fin_timeout = 31\n"
                       "net..ipv4.tcp_keepalive_time = 1201\n"
                       "net/ipv4//tcp_keepalive_intvl = 61\n"
                       "net/ipv4/./tcp_keepalive_probes = 7\n"
                       "net.ipv4.tcp_syn_retries. = 5\n"
                       "net/ipv4/../ipv4/tcp_synack_retries = 4\n"
                       "net/ipv4/tcp_retries2/ = 14\n"})
    case("long-line", {E + "10-a.conf": "net.ipv4.tcp_fin_timeout = 32" + " " * 5000 + "\n"
                       "net.ipv4.tcp_keepalive_time = 1205\n"
                       "net.ipv4.tcp_syn_retries = " + "0" * 4200 + "4\n"})
    case("nul-byte", {E + "10-a.conf": b"net.ipv4.tcp_fin_timeout = 33\n"
                      b"net.ipv4.tcp_syn_retries = 3\0 junk\n"
                      b"net.ipv4.tcp_keepalive_time = 1202\n"})
    case("cr-only", {E + "10-a.conf": "net.ipv4.tcp_fin_timeout = 34\r"
                     "net.ipv4.tcp_keepalive_time = 1203\r"})
    case("crlf", {E + "10-a.conf": "net.ipv4.tcp_fin_timeout = 36\r\n"
                  "net.ipv4.tcp_keepalive_time = 1206\r\n"})
    case("hidden-file", {E + ".hidden.conf": "net.ipv4.tcp_fin_timeout = 37\n",
                         E + "10-a.conf": "net.ipv4.tcp_keepalive_time = 1207\n"})
    case("dir-conf", {E + "d.conf": ("dir",),
                      E + "10-a.conf": "net.ipv4.tcp_keepalive_time = 1208\n"})
    case("dangling", {E + "05-x.conf": ("link", "/nonexistent/x.conf"),
                      E + "10-a.conf": "net.ipv4.tcp_keepalive_time = 1209\n"})
    case("dash", {E + "10-a.conf": "- net.ipv4.tcp_fin_timeout = 35\n"
                  "--net.ipv4.tcp_keepalive_time = 1204\n"
                  "-net.ipv4.tcp_syn_retries = 2\n"
                  "--net.ipv6.conf.*.hop_limit = 70\n"})
    case("glob-reassign", {E + "10-a.conf": "net.ipv6.conf.*.hop_limit = 81\n"
                           "net.ipv6.conf.[ae]*.hop_limit = 82\n"
                           "net.ipv6.conf.*.hop_limit = 83\n"})
    case("unchanged-default", {E + "10-a.conf": "net.ipv4.conf.eth0.rp_filter = 0\n"
                               "net.ipv4.conf.default.rp_filter = 2\n"})
    case("default-propagation", {E + "10-a.conf": "net.ipv4.conf.default.accept_redirects = 0\n"
                                 "net.ipv6.conf.default.accept_redirects = 0\n"
                                 "net.ipv4.conf.all.forwarding = 1\n"})
    case("refused-later", {E + "10-a.conf": "net.ipv4.tcp_keepalive_probes = 12\n"
                           "net.ipv4.tcp_keepalive_probes = 300\n"
                           "net.ipv4.tcp_fin_timeout =\n"
                           "net.ipv4.conf.all.mc_forwarding = 1\n"
                           "net.ipv4.tcp_syn_retries = 200\n"
                           "net.ipv4.tcp_timestamps = 3\n"})
    case("ipfrag-order", {E + "10-a.conf": "net.ipv4.ipfrag_high_thresh = 512000\n"
                          "net.ipv4.ipfrag_low_thresh = 446464\n"})
    case("ipfrag-good", {E + "10-a.conf": "net.ipv4.ipfrag_low_thresh = 446464\n"
                         "net.ipv4.ipfrag_high_thresh = 512000\n"})
    case("inline-comments", {E + "10-a.conf": "net.ipv4.tcp_fin_timeout = 56 # note\n"
                             "net.ipv4.ip_local_port_range = 10000 60999 # x\n"
                             "net.ipv4.tcp_rmem = 4096 131072 # x\n"
                             "net.ipv4.tcp_congestion_control = reno # x\n"
                             "net.ipv4.tcp_keepalive_time = 1210;x\n"})
    case("sysctl-conf", {"etc/sysctl.conf": "net.ipv4.tcp_fin_timeout = 38\n",
                         E + "10-a.conf": "net.ipv4.tcp_fin_timeout = 39\n"})
    case("sysctl-conf-link", {"etc/sysctl.conf": "net.ipv4.tcp_keepalive_time = 1211\n",
                              E + "99-sysctl.conf": ("link", "../sysctl.conf"),
                              U + "50-a.conf": "net.ipv4.tcp_keepalive_time = 1212\n"})
    case("override-mask", {E + "50-a.conf": "net.ipv4.tcp_fin_timeout = 40\n",
                           U + "50-a.conf": "net.ipv4.tcp_fin_timeout = 41\n"
                           "net.ipv4.tcp_keepalive_time = 1213\n",
                           R + "60-b.conf": ("link", "/dev/null"),
                           U + "60-b.conf": "net.ipv4.tcp_syn_retries = 3\n",
                           L + "70-c.conf": "net.ipv4.tcp_synack_retries = 3\n"})
    case("exclude", {E + "10-a.conf": "net.ipv4.conf.*.rp_filter = 2\n"
                     "-net.ipv4.conf.lo.rp_filter\n"
                     "net.ipv4.conf.eth1.rp_filter = 1\n"})
    case("values", {E + "10-a.conf": "net.ipv4.ip_local_port_range = 1024    65000\n"
                    "net.ipv4.tcp_fin_timeout = -1\n"
                    "net.ipv4.tcp_keepalive_time = 0x10\n"
                    "net.ipv4.tcp_syn_retries = +4\n"
                    "net.ipv4.tcp_tw_reuse = 3\n"
                    "net.ipv4.tcp_congestion_control = nosuch\n"
                    "net.core.somaxconn = 99999999999\n"})
    case("port-coupling", {E + "10-a.conf": "net.ipv4.ip_unprivileged_port_start = 40000\n"
                           "net.ipv4.ip_local_port_range = 1024 65000\n",
                           E + "20-b.conf": "net.ipv4.ip_local_port_range = 50000 60000\n"
                           "net.ipv4.ip_unprivileged_port_start = 45000\n"})
    case("multi-field", {E + "10-a.conf": "net.ipv4.tcp_rmem = 4096\n"
                         "net.ipv4.tcp_wmem = 4096 16384 abc\n"
                         "net.ipv4.ping_group_range = 1 0\n"
                         "net.ipv4.ip_local_reserved_ports = 8080,9000-9010\n"
                         "net.ipv4.tcp_allowed_congestion_control = reno\n"})
    case("glob-explicit", {E + "10-a.conf": "net.ipv4.conf.eth0.rp_filter = 1\n",
                           E + "20-b.conf": "net.ipv4.conf.*.rp_filter = 2\n"
                           "net.ipv4.conf.default.rp_filter = 0\n"})
    # ping_group_range parses into a copy: a bad second field stores nothing; gids go up to
    # 4294967294; one field keeps the other, and an end before the start is stored as '1 0'.
    case("ping-partial", {E + "10-a.conf": "net.ipv4.ping_group_range = 0 2147483647;x\n"})
    case("ping-max", {E + "10-a.conf": "net.ipv4.ping_group_range = 0 4294967294\n"})
    case("ping-one-field", {E + "10-a.conf": "net.ipv4.ping_group_range = 0 10\n",
                            E + "20-b.conf": "net.ipv4.ping_group_range = 7\n"})
    # systemd keeps the first of two equal assignments and ORs the second one's '-' into it:
    # the refused write does not fail the run. procps writes both, and fails.
    case("same-value-dash", {U + "10-a.conf": "net.ipv4.ipfrag_high_thresh = 512000\n",
                             E + "90-d.conf": "-net.ipv4.ipfrag_high_thresh = 512000\n"})
    # conf.all of these IPv6 keys is copied to conf.default and every interface; conf.default
    # of the IPv4 "flushing" keys is copied to no interface.
    case("v6-all-copies", {E + "10-a.conf": "net.ipv6.conf.all.disable_ipv6 = 1\n"
                           "net.ipv6.conf.all.ignore_routes_with_linkdown = 1\n"
                           "net.ipv6.conf.all.addr_gen_mode = 1\n"
                           "net.ipv6.conf.lo.disable_ipv6 = 0\n"})
    case("v4-flushing-default", {E + "10-a.conf": "net.ipv4.conf.default.disable_policy = 1\n"
                                 "net.ipv4.conf.default.route_localnet = 1\n"
                                 "net.ipv4.conf.default.promote_secondaries = 1\n"})
    # procps leaves a key out of a glob only when another line spells it the same way; systemd
    # resolves the spelling first. A refused write to an interface key still stops
    # conf.default's copies to it (devinet_conf_proc).
    case("glob-spelling", {E + "10-a.conf": "/net/ipv6/conf/eth0/hop_limit = 71\n"
                           "net..ipv6.conf.lo.hop_limit = 73\n",
                           E + "20-b.conf": "net.ipv6.conf.*.hop_limit = 72\n"})
    case("refused-then-default", {E + "10-a.conf": "net.ipv4.conf.eth0.rp_filter =\n",
                                  E + "20-b.conf": "net.ipv4.conf.default.rp_filter = 2\n"})
    return t


# Writable keys of a fresh network namespace with values to pick from (some refused).
POOL = {
    "net.ipv4.tcp_fin_timeout": ["15", "30", "60", "0", "-5", "abc"],
    "net.ipv4.tcp_keepalive_time": ["300", "600", "7200", "1"],
    "net.ipv4.tcp_keepalive_intvl": ["10", "75", "0"],
    "net.ipv4.tcp_keepalive_probes": ["3", "9", "127", "255", "256"],
    "net.ipv4.tcp_syn_retries": ["2", "6", "127", "128"],
    "net.ipv4.tcp_synack_retries": ["2", "5"],
    "net.ipv4.tcp_tw_reuse": ["0", "1", "2", "3"],
    "net.ipv4.tcp_timestamps": ["0", "1", "2", "3"],
    "net.ipv4.tcp_max_syn_backlog": ["128", "8192", "65535"],
    "net.ipv4.tcp_max_tw_buckets": ["5000", "262144"],
    "net.ipv4.ip_local_port_range": ["32768 60999", "1024 65000", "10000 65535", "60000 50000"],
    "net.ipv4.tcp_slow_start_after_idle": ["0", "1"],
    "net.ipv4.tcp_mtu_probing": ["0", "1", "2", "3"],
    "net.ipv4.tcp_sack": ["0", "1"],
    "net.core.somaxconn": ["128", "4096", "65535"],
    "net.ipv4.ip_forward": ["0", "1"],
    "net.ipv4.tcp_congestion_control": ["cubic", "reno"],
    "net.ipv4.conf.all.rp_filter": ["0", "1", "2"],
    "net.ipv4.conf.default.rp_filter": ["0", "1", "2"],
    "net.ipv4.conf.eth0.rp_filter": ["0", "1", "2"],
    "net.ipv4.conf.default.accept_redirects": ["0", "1"],
    "net.ipv4.conf.eth0.accept_redirects": ["0", "1"],
    "net.ipv6.conf.all.accept_redirects": ["0", "1"],
    "net.ipv6.conf.default.hop_limit": ["64", "70", "255"],
    "net.ipv6.conf.eth0.hop_limit": ["64", "71"],
    "net.ipv4.conf.*.log_martians": ["0", "1"],
    "net.ipv6.conf.*.hop_limit": ["64", "72"],
    "net.ipv4.conf.eth*.send_redirects": ["0", "1"],
    "net.ipv4.ipfrag_high_thresh": ["4194304", "512000", "8388608"],
    "net.ipv4.ipfrag_low_thresh": ["446464", "3145728"],
    "net.ipv4.tcp_ecn": ["0", "1", "2"],
    "net.unix.max_dgram_qlen": ["10", "512"],
    "net.ipv4.ip_unprivileged_port_start": ["0", "1024", "40000"],
    "net.ipv4.conf.all.forwarding": ["0", "1"],
    "net.ipv6.conf.all.forwarding": ["0", "1"],
    "net.ipv4.conf.all.mc_forwarding": ["0", "1"],
    "net.ipv4.ping_group_range": ["0 2147483647", "1 0"],
    "net.ipv4.tcp_rmem": ["4096 131072 6291456", "4096 87380 16777216", "4096"],
}

NAMES = ["10-a.conf", "20-b.conf", "50-c.conf", "90-d.conf", "99-z.conf"]


def generated(rng, count):
    t = []
    keys = sorted(POOL)
    dirs = [E, E, R, U, L]
    for n in range(count):
        tree = {}
        for _ in range(rng.randint(1, 4)):
            path = rng.choice(dirs) + rng.choice(NAMES)
            lines = []
            for _ in range(rng.randint(1, 8)):
                k = rng.choice(keys)
                v = rng.choice(POOL[k])
                style = rng.random()
                if style < 0.1:
                    k = k.replace(".", "/")
                elif style < 0.14:
                    k = "/" + k.replace(".", "/")  # both programs drop the leading '/'
                elif style < 0.17:
                    k = k.replace(".", "..", 1)  # an empty component
                elif style < 0.19:
                    k = k + "."  # a trailing separator: systemd writes it, procps cannot
                r = rng.random()
                prefix = "-" if r < 0.1 else "- " if r < 0.13 else "--" if r < 0.16 else ""
                sep = rng.choice([" = ", "=", "  =\t"])
                if rng.random() < 0.06:
                    v += rng.choice([" # note", ";x", "  trailing words"])
                elif rng.random() < 0.03:
                    v = ""
                lines.append(f"{prefix}{k}{sep}{v}")
                if rng.random() < 0.05:
                    lines.append("-" + rng.choice([x for x in keys if "*" not in x]))
            end = "\r\n" if rng.random() < 0.05 else "\n"
            tree[path] = end.join(lines) + end
        if rng.random() < 0.2:
            tree["etc/sysctl.conf"] = f"net.ipv4.tcp_fin_timeout = {rng.randint(10, 90)}\n"
            if rng.random() < 0.5:
                tree[E + "99-sysctl.conf"] = ("link", "../sysctl.conf")
        t.append({"name": f"gen-{n}", "tree": tree})
    return t


ALL_KEYS_VALUES = ["0", "1", "-1", "65536", "2147483648", "abc", "1;x", "7 8", "3 2 1"]


def all_keys():
    """One tree per value of ALL_KEYS_VALUES, each setting every writable net.* key that a fresh
    network namespace with a veth pair (eth0, eth1) has, eth1 left to the kernel (what
    conf.all and conf.default copy to it) and route.flush-like write-only triggers left out."""
    import subprocess
    out = subprocess.run(["unshare", "-n", "sh", "-c",
                          "ip link add eth0 type veth peer name eth1 2>/dev/null; "
                          "find /proc/sys/net -type f -perm -200"],
                         capture_output=True, text=True, timeout=60).stdout.split()
    keys = sorted(p[len("/proc/sys/"):].replace("/", ".") for p in out)
    keys = [k for k in keys if ".eth1." not in k and "flush" not in k]
    return [{"name": f"all-{i}", "tree": {E + "10-a.conf": "".join(f"{k} = {v}\n" for k in keys)}}
            for i, v in enumerate(ALL_KEYS_VALUES)]
