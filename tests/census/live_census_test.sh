#!/usr/bin/env bash
# Live census test: in a network namespace this test creates (unshare -n), make_mix builds an
# exact socket mix on loopback; `tcptune sockets --format json` must report exactly it, over
# netlink and over the /proc/net/tcp fallback. Exit 77 (skipped, with the reason) when the
# machine cannot create a network namespace.
#   live_census_test.sh TCPTUNE MAKE_MIX TESTS_DIR [--record DIR]
set -u
bin=$(realpath "$1")
mix=$(realpath "$2")
record=""
[[ "${4:-}" == "--record" ]] && record=$(realpath "$5")
command -v unshare >/dev/null || { echo "SKIP: unshare not installed"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: ip (iproute2) not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
if ! unshare -n true 2>/dev/null; then
  echo "SKIP: cannot create a network namespace here (unshare -n needs CAP_SYS_ADMIN)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# make_mix refuses to run in this (outer) namespace: it writes namespace-private sysctls.
outer=$(stat -L -c '%d:%i' /proc/self/ns/net)

# Everything below runs inside the new namespace; make_mix is killed before it ends.
unshare -n bash -s "$bin" "$mix" "$tmp" "$record" "$outer" <<'INNER'
set -u
bin=$1 mix=$2 tmp=$3 record=$4 outer=$5
ip link set lo up || exit 1
"$mix" --outer-netns "$outer" --ready "$tmp/ready" --established 3 --tw-client 4 --tw-server 2 --close-wait 2 --hold-seconds 60 &
pid=$!
for _ in $(seq 200); do [[ -f "$tmp/ready" ]] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
[[ -f "$tmp/ready" ]] || { echo "make_mix did not get ready"; kill "$pid" 2>/dev/null; exit 1; }
"$bin" sockets --format json >"$tmp/netlink.json"; echo $? >"$tmp/netlink.rc"
"$bin" sockets --source proc --format json >"$tmp/proc.json"; echo $? >"$tmp/proc.rc"
"$bin" sockets >"$tmp/text.out"; echo $? >"$tmp/text.rc"
"$bin" sockets --format prometheus >"$tmp/prom.out"; echo $? >"$tmp/prom.rc"
"$bin" debug record-sockets "$tmp/mix.nl" 2>/dev/null
"$bin" sockets --replay "$tmp/mix.nl" --format json >"$tmp/replay.json"; echo $? >"$tmp/replay.rc"
"$bin" check --format json >"$tmp/check.json"; echo $? >"$tmp/check.rc"
"$bin" check --profile db-client >"$tmp/check.out"; echo $? >"$tmp/check-text.rc"
if [[ -n "$record" ]]; then
  mkdir -p "$record/proc/net"
  cp "$tmp/mix.nl" "$record/mix.nl"
  for f in tcp tcp6 sockstat sockstat6 netstat snmp; do cat "/proc/net/$f" >"$record/proc/net/$f"; done
  mkdir -p "$record/proc/sys/net/ipv4"
  for k in ip_local_port_range ip_local_reserved_ports; do cat "/proc/sys/net/ipv4/$k" >"$record/proc/sys/net/ipv4/$k"; done
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
exit 0
INNER
rc=$?
((rc == 0)) || { echo "FAIL: the namespace run failed ($rc)"; exit 1; }
# A container: new PID and network namespaces with their own /proc. PID 1 there is the
# container's init, in the container's network namespace; check used to take it for the host's.
timeout 60 unshare -p -n -f --mount-proc "$bin" check --format json --sample 0 >"$tmp/container.json"
echo $? >"$tmp/container.rc"

python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
passed = failed = 0
def check(name, got, want):
    global passed, failed
    if got == want:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}: got {got!r}, want {want!r}")

for src in ("netlink", "proc", "replay"):
    check(f"{src} exit code", open(f"{tmp}/{src}.rc").read().strip(), "0")
    j = json.load(open(f"{tmp}/{src}.json"))
    s = j["states"]
    check(f"{src} LISTEN", s["LISTEN"], 3)
    check(f"{src} ESTABLISHED", s["ESTABLISHED"], 8)
    check(f"{src} TIME_WAIT", s["TIME_WAIT"], 6)
    check(f"{src} CLOSE_WAIT", s["CLOSE_WAIT"], 2)
    check(f"{src} FIN_WAIT2 (orphaned, in the TIME_WAIT pool)", s["FIN_WAIT2"], 2)
    check(f"{src} total", j["total"], 21)
    check(f"{src} IPv6 total", j["families"]["ipv6"]["total"], 3)
    dests = {(d["remote"], d["remote_port"]): d for d in j["destinations"]}
    d5000 = dests.get(("127.0.0.1", 5000), {})
    check(f"{src} client group :5000 states", d5000.get("states"), {"ESTABLISHED": 3, "TIME_WAIT": 4})
    check(f"{src} client group :5000 ports in use", d5000.get("ports_in_use"), 7)
    check(f"{src} client group :5001 states", dests.get(("127.0.0.1", 5001), {}).get("states"), {"CLOSE_WAIT": 2})
    check(f"{src} client group [::1]:5002", dests.get(("::1", 5002), {}).get("states"), {"ESTABLISHED": 1})
    check(f"{src} number of client groups", len(dests), 3)
    ports = {p["port"]: p["states"] for p in j["server_ports"]}
    check(f"{src} server side :5000", ports.get(5000), {"ESTABLISHED": 3, "TIME_WAIT": 2})
    check(f"{src} server side :5001", ports.get(5001), {"FIN_WAIT2": 2})
    check(f"{src} server side :5002", ports.get(5002), {"ESTABLISHED": 1})
    check(f"{src} closers", j["closers"], {"server_side_time_wait": 2, "client_side_time_wait": 4})
    if src != "replay":
        check(f"{src} port capacity", d5000.get("port_capacity"), 28232)
        check(f"{src} headroom", d5000.get("headroom"), 28225)
        pool = j["timewait_pool"]
        check(f"{src} sockstat tw = TIME_WAIT + orphaned FIN_WAIT2", pool["sockstat_tw"],
              pool["time_wait"] + pool["orphaned_fin_wait2"])
    check(f"{src} listeners", sorted((l["address"], l["port"]) for l in j["listeners"]),
          [("127.0.0.1", 5000), ("127.0.0.1", 5001), ("::1", 5002)])
check("netlink source", json.load(open(f"{tmp}/netlink.json"))["source"], "netlink")
# The census walks both families at once; the recording holds a dump per family. The listeners
# come out in the same order (IPv4 first).
check("netlink listeners in the order of a dump per family",
      [(l["address"], l["port"]) for l in json.load(open(f"{tmp}/netlink.json"))["listeners"]],
      [(l["address"], l["port"]) for l in json.load(open(f"{tmp}/replay.json"))["listeners"]])
check("proc source", json.load(open(f"{tmp}/proc.json"))["source"], "proc")
text = open(f"{tmp}/text.out").read()
check("text mentions the server-side closer", "2 TIME_WAIT on server ports" in text, True)
prom = open(f"{tmp}/prom.out").read()
check("prometheus TIME_WAIT gauge", 'tcptune_sockets{family="ipv4",state="TIME_WAIT"} 6' in prom, True)
# tcptune check in the namespace: the same census, the namespace told apart from the host's.
check("check exit code (0 clean or 1 findings)", open(f"{tmp}/check.rc").read().strip() in ("0", "1"), True)
c = json.load(open(f"{tmp}/check.json"))
check("check schema", c["schema"], "tcptune.check/1")
check("check census total", c["sockets"]["total"], 21)
check("check census TIME_WAIT", c["sockets"]["states"]["TIME_WAIT"], 6)
check("check server-side TIME_WAIT", c["sockets"]["metrics"]["server_time_wait"], 2)
check("check client-side TIME_WAIT", c["sockets"]["metrics"]["client_time_wait"], 4)
check("check headroom of the busiest group", round(c["sockets"]["metrics"]["min_headroom_pct"], 2), round(100 * (28232 - 7) / 28232, 2))
check("check profile detected", (c["profile"]["name"], c["profile"]["source"]), ("base", "detected"))
codes = {f["code"] for f in c["findings"]}
check("check: not the initial namespace", c["netns"]["initial"] is not True, True)
if c["netns"]["initial"] is False:
    check("check: TT6022 (non-initial namespace)", "TT6022" in codes, True)
    check("check: no drift findings against the host's sysctl.d", codes & {"TT6019", "TT6020"}, set())
check("check: no port exhaustion", codes & {"TT6012", "TT6013"}, set())
check("check in a container: exit code (0 clean or 1 findings)", open(f"{tmp}/container.rc").read().strip() in ("0", "1"), True)
check("check in a container (new PID and network namespaces): not the initial namespace",
      json.load(open(f"{tmp}/container.json"))["netns"]["initial"] is not True, True)
check("check --profile db-client names it", "profile: db-client" in open(f"{tmp}/check.out").read(), True)
print(f"census_live: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
