#!/bin/sh
# tcptune-textfile.sh: `tcptune check --format prometheus` for the node_exporter textfile
# collector. See docs/fleet.md.
#
#   tcptune-textfile.sh [--dir DIR] [--root ROOT] [--sockets] [--top N] [--tcptune PATH]
#                       [-- CHECK-OPTIONS...]
#
#   --dir DIR      the collector's directory (default $TCPTUNE_TEXTFILE_DIR, else
#                  /var/lib/prometheus/node-exporter, Debian's --collector.textfile.directory)
#   --root ROOT    passed to tcptune (a mounted image or a test fixture; default /)
#   --sockets      also export `tcptune sockets --format prometheus` (states, destinations,
#                  listeners, kernel counters) into the same file
#   --top N        destinations exported with --sockets (default 10)
#   --tcptune PATH the binary (default $TCPTUNE, else tcptune from PATH)
#   CHECK-OPTIONS  passed to `tcptune check`, e.g. -- --profile web --fail-on error
#
# Writes two files, each as a temporary file in DIR (named .tcptune*, which the collector
# ignores: it reads *.prom only) renamed into place, so node_exporter never reads a partial file:
#   DIR/tcptune.prom         tcptune's metrics; replaced only when tcptune succeeded, so after a
#                            failure the last good file stays (its age is node_exporter's
#                            node_textfile_mtime_seconds{file=".../tcptune.prom"})
#   DIR/tcptune-status.prom  written on every run: tcptune_textfile_success (1 or 0),
#                            tcptune_textfile_exit_code{command=...},
#                            tcptune_textfile_last_run_timestamp_seconds
#
# tcptune's exit codes: 0 clean and 1 findings or changes pending both mean "the report is
# complete" (success here); 2 invalid input or usage, 3 system error mean "no report" (failure:
# the previous tcptune.prom is kept, tcptune's message goes to stderr, the journal under
# systemd). This script exits 0 on success, else tcptune's exit code (or 2 for its own usage
# errors, 73 when it cannot write DIR), so a systemd unit running it shows as failed.
set -u

dir=${TCPTUNE_TEXTFILE_DIR:-/var/lib/prometheus/node-exporter}
tcptune=${TCPTUNE:-tcptune}
root=
sockets=0
top=10

usage() {
  sed -n '5,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case $1 in
    --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
    --root) [ $# -ge 2 ] || usage; root=$2; shift 2 ;;
    --sockets) sockets=1; shift ;;
    --top) [ $# -ge 2 ] || usage; top=$2; shift 2 ;;
    --tcptune) [ $# -ge 2 ] || usage; tcptune=$2; shift 2 ;;
    --) shift; break ;;
    -h | --help) usage ;;
    *) echo "tcptune-textfile: unknown option '$1'" >&2; usage ;;
  esac
done

out=$dir/tcptune.prom
status_out=$dir/tcptune-status.prom
tmp=
status_tmp=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { rm -f -- ${tmp:+"$tmp"} ${status_tmp:+"$status_tmp"}; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Same directory as the target, so that mv is a rename(2): atomic for the collector.
tmp=$(mktemp "$dir/.tcptune.prom.XXXXXX") || {
  echo "tcptune-textfile: cannot create a file in $dir" >&2
  exit 73
}
status_tmp=$(mktemp "$dir/.tcptune-status.prom.XXXXXX") || exit 73

# tcptune with the --root given (if any); "$@" is the command and its options.
run() {
  if [ -n "$root" ]; then "$tcptune" --root "$root" --color never "$@"; else "$tcptune" --color never "$@"; fi
}

check_rc=
sockets_rc=
run check --format prometheus "$@" >"$tmp"
check_rc=$?
rc=$check_rc
failed=check
if [ "$rc" -le 1 ] && [ "$sockets" = 1 ]; then
  run sockets --format prometheus --top "$top" >>"$tmp"
  sockets_rc=$?
  rc=$sockets_rc
  failed=sockets
fi

ok=0
if [ "$rc" -le 1 ] && [ -s "$tmp" ]; then
  # mktemp made it 0600: node_exporter runs as another user (prometheus).
  chmod 0644 "$tmp" && mv -f -- "$tmp" "$out" && tmp= && ok=1
fi

{
  echo "# HELP tcptune_textfile_success 1 when the last run wrote tcptune.prom, 0 when tcptune failed and the previous file was kept."
  echo "# TYPE tcptune_textfile_success gauge"
  echo "tcptune_textfile_success $ok"
  echo "# HELP tcptune_textfile_exit_code Exit code of each tcptune command of the last run (0 clean, 1 findings or changes pending, 2 invalid input, 3 system error)."
  echo "# TYPE tcptune_textfile_exit_code gauge"
  echo "tcptune_textfile_exit_code{command=\"check\"} $check_rc"
  if [ -n "$sockets_rc" ]; then echo "tcptune_textfile_exit_code{command=\"sockets\"} $sockets_rc"; fi
  echo "# HELP tcptune_textfile_last_run_timestamp_seconds When tcptune-textfile.sh last ran, in seconds since the epoch."
  echo "# TYPE tcptune_textfile_last_run_timestamp_seconds gauge"
  echo "tcptune_textfile_last_run_timestamp_seconds $(date +%s)"
} >"$status_tmp"
chmod 0644 "$status_tmp" && mv -f -- "$status_tmp" "$status_out" && status_tmp=

if [ "$ok" = 1 ]; then
  exit 0
fi
if [ "$rc" -le 1 ]; then
  echo "tcptune-textfile: tcptune $failed wrote nothing (exit $rc) or $out could not be replaced; kept the previous file" >&2
  exit 73
fi
echo "tcptune-textfile: tcptune $failed failed (exit $rc); kept the previous $out" >&2
exit "$rc"
