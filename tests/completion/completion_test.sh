#!/usr/bin/env bash
# Shell completion tests: completions/tcptune.bash and completions/_tcptune.
#   completion_test.sh TCPTUNE TESTS_DIR
#
# bash: sources the script in a non-interactive bash and calls _tcptune with COMP_WORDS,
# COMP_CWORD, COMP_LINE and COMP_POINT set as readline sets them. Besides the cases below, a
# drift check: every command of `tcptune --help`, every global option in it and every long
# option in `tcptune COMMAND --help` must be offered, every command option offered must be
# accepted by the binary, and the --format values offered for a command must be exactly those
# it accepts (asked by running it with --format in an empty --root).
#
# zsh: an interactive `zsh -f` on a pseudo-terminal (zsh/zpty), with compinit and
# completions/ in fpath, is sent the command lines followed by TAB; compadd is wrapped to
# record the matches the real compsys adds (zsh-capture-completion's technique), so
# _arguments, _describe and the ZLE completion widget all run for real.
#
# Dynamic values come from the binary under test: the shipped profiles (TCPTUNE_DATA_DIR), a
# user profile under --root tests/fixtures/user-profiles, transaction ids from a journal in a
# temporary root. Every external call is bounded by `timeout`. Exit: 0 passed, 1 failed,
# 77 zsh is not installed (the bash part passed).
set -u
bin=$(realpath "$1")
tests=$(realpath "$2")
src=$(dirname "$tests")
bash_script=$src/completions/tcptune.bash
zsh_dir=$src/completions
export NO_COLOR=1 TCPTUNE_DATA_DIR=${TCPTUNE_DATA_DIR:-$src}
cd "$src" || exit 1

work=$(mktemp -d /tmp/tcptune-completion.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
  fail=$((fail + 1))
  printf 'FAIL: %s\n' "$*"
}

# The candidates $2 (one per line) hold every word in "${@:3}".
expect_has() {
  local what=$1 out=$2 w missing=
  shift 2
  for w in "$@"; do
    grep -qxF -- "$w" <<<"$out" || missing+=" $w"
  done
  if [[ -z $missing ]]; then ok; else bad "$what: missing$missing; offered: $(tr '\n' ' ' <<<"$out")"; fi
}
# The candidates $2 are exactly the words in "${@:3}" (in any order).
expect_set() {
  local what=$1 out=$2
  shift 2
  local want got
  want=$(printf '%s\n' "$@" | sort -u)
  got=$(sort -u <<<"$out" | grep -v '^$')
  if [[ $want == "$got" ]]; then ok; else
    bad "$what: expected {$(tr '\n' ' ' <<<"$want")} offered {$(tr '\n' ' ' <<<"$got")}"
  fi
}

# ---------------------------------------------------------------------------------------
# What the binary says it has.

help=$(timeout 20 "$bin" --help) || { echo "FAIL: $bin --help"; exit 1; }
commands=$(sed -n '/^commands:/,/^$/p' <<<"$help" | awk '/^  [a-z]/ {print $1}')
# The option specs of "global options:" ("-q, --quiet", "--root DIR"): the part before the
# description, which starts after two or more spaces.
global_options=$(sed -n '/^global options:/,/^$/p' <<<"$help" | grep -E '^  -' |
  sed -E 's/^  +//; s/  .*//' | grep -oE -- '(^|[ ,])-[-a-z0-9]+' | tr -d ' ,')
# "--format FMT        text (default), gcc, json, ... (per command)", possibly wrapped.
all_formats=$(awk '/^  --format/ {on = 1} on {print} on && /per command/ {exit}' <<<"$help" |
  sed -E 's/^ *--format FMT//; s/\((default|per command)\)//g' | grep -oE '[a-z]+')
if [[ $(wc -w <<<"$commands") -lt 9 || -z $global_options || -z $all_formats ]]; then
  echo "FAIL: cannot read the commands, global options or formats from $bin --help"
  exit 1
fi

# The formats COMMAND accepts: run it with --format F in an empty root until one is refused;
# the refusal lists the accepted ones ("... is not supported by this command (use a, b)").
empty_root=$work/empty-root
mkdir -p "$empty_root"
accepted_formats() {
  local cmd=$1 f msg
  local -a args=()
  [[ $cmd == explain ]] && args=(TT2003)
  for f in $all_formats; do
    [[ $f == text ]] && continue
    msg=$(timeout 20 "$bin" --root "$empty_root" --format "$f" "$cmd" "${args[@]}" 2>&1 >/dev/null)
    if [[ $msg =~ not\ supported\ by\ this\ command\ \(use\ ([a-z, ]+)\) ]]; then
      tr -d ' ' <<<"${BASH_REMATCH[1]}" | tr ',' '\n'
      return 0
    fi
  done
  printf '%s\n' $all_formats # it refused none
}
declare -A formats_of
for cmd in $commands; do formats_of[$cmd]=$(accepted_formats "$cmd"); done

# A root with two journal entries, for `rollback` ids.
journal_root=$work/journal-root
mkdir -p "$journal_root/var/lib/tcptune"
cat >"$journal_root/var/lib/tcptune/20260101T000000Z-01.json" <<'EOF'
{"schema": "tcptune.journal/1", "id": "20260101T000000Z-01", "state": "committed",
 "version": "test", "profile": "web", "mode": "live-only", "started": "2026-01-01T00:00:00Z",
 "finished": "2026-01-01T00:00:01Z", "pid": 1, "netns": null, "netns_id": null,
 "fragment": null, "keys": [], "errors": [], "left": [], "notes": []}
EOF
printf '{"truncated' >"$journal_root/var/lib/tcptune/20260102T000000Z-01.json"
ids=$(timeout 20 "$bin" --root "$journal_root" history 2>/dev/null | grep -c '^2026')
[[ $ids == 2 ]] || bad "the journal fixture: history lists $ids entries, not 2"

# A tcptune in PATH, and one that hangs.
mkdir -p "$work/bin" "$work/slow"
ln -s "$bin" "$work/bin/tcptune"
printf '#!/bin/sh\nsleep 100\n' >"$work/slow/tcptune"
chmod +x "$work/slow/tcptune"

# ---------------------------------------------------------------------------------------
# bash

# bash_complete WORD... : the candidates for the last word (the cursor is at its end; or at
# the end of word $BASH_CWORD), one per line; the completion's stderr goes to $work/bash.err.
# $BASH_PATH, if set, is the PATH; with $BASH_STRICT set the completion runs under set -eu.
bash_bin=$(type -P bash)
bash_complete() {
  timeout 30 env PATH="${BASH_PATH:-$PATH}" CWORD="${BASH_CWORD:-}" \
    STRICT="${BASH_STRICT:-}" "$bash_bin" --norc --noprofile -c '
    source "$1" || exit 3
    [[ -n $STRICT ]] && set -eu
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=${CWORD:-$(($# - 1))}
    COMP_LINE="$*"
    COMP_POINT=$(IFS=" "; line="${COMP_WORDS[*]:0:COMP_CWORD+1}"; echo ${#line})
    _tcptune
    (($# == 0)) || printf "%s\n" "${COMPREPLY[@]}"
  ' _ "$bash_script" "$@" 2>"$work/bash.err"
}
# The stderr of the last bash_complete is empty.
expect_quiet() {
  if [[ -s $work/bash.err ]]; then bad "$1: printed on stderr: $(cat "$work/bash.err")"; else ok; fi
}

if ! timeout 20 bash --norc --noprofile -c 'source "$1" && complete -p tcptune' _ \
  "$bash_script" >/dev/null 2>&1; then
  bad "sourcing $bash_script does not register a completion for tcptune"
fi

out=$(bash_complete "$bin" "")
expect_set "bash: tcptune <TAB>" "$out" $commands
expect_quiet "bash: tcptune <TAB>"
out=$(bash_complete "$bin" "ch")
expect_set "bash: tcptune ch<TAB>" "$out" check
out=$(bash_complete "$bin" check --pro)
expect_set "bash: tcptune check --pro<TAB>" "$out" --profile
out=$(bash_complete "$bin" apply --profile "")
expect_has "bash: tcptune apply --profile <TAB>" "$out" base web db-client load-tester
expect_quiet "bash: tcptune apply --profile <TAB>"
if grep -qx shop <<<"$out"; then bad "bash: the user profile shop is offered without --root"; else ok; fi
out=$(bash_complete "$bin" --root tests/fixtures/user-profiles apply --profile "")
expect_set "bash: tcptune --root tests/fixtures/user-profiles apply --profile <TAB>" "$out" \
  base web db-client load-tester shop
out=$(bash_complete "$bin" apply --root = tests/fixtures/user-profiles --profile = s)
expect_set "bash: tcptune apply --root=tests/fixtures/user-profiles --profile=s<TAB>" "$out" shop
out=$(bash_complete "$bin" check --profile w)
expect_set "bash: tcptune check --profile w<TAB>" "$out" web
out=$(bash_complete "$bin" profiles "")
expect_has "bash: tcptune profiles <TAB>" "$out" base web db-client load-tester
out=$(bash_complete "$bin" --root tests/fixtures/user-profiles-bad apply --profile "")
expect_quiet "bash: profiles under a root whose profiles are invalid"
out=$(bash_complete "$bin" --root "$work/no-such-dir" apply --profile "")
expect_set "bash: profiles under a missing root" "$out"
expect_quiet "bash: profiles under a missing root"
out=$(bash_complete "$bin" --data-dir "$work/no-such-dir" apply --profile "")
expect_set "bash: profiles with a missing --data-dir" "$out"
expect_quiet "bash: profiles with a missing --data-dir"
for cmd in $commands; do
  out=$(bash_complete "$bin" "$cmd" --format "")
  expect_set "bash: tcptune $cmd --format <TAB> (the formats $cmd accepts)" "$out" \
    ${formats_of[$cmd]}
done
out=$(bash_complete "$bin" check --format "")
expect_set "bash: tcptune check --format <TAB>" "$out" text json prometheus gcc codeclimate checkstyle
out=$(bash_complete "$bin" lint --format "")
expect_set "bash: tcptune lint --format <TAB>" "$out" text gcc json sarif github diff codeclimate checkstyle
out=$(bash_complete "$bin" --format "")
expect_set "bash: tcptune --format <TAB> (no command yet)" "$out" $all_formats
out=$(BASH_CWORD=2 bash_complete "$bin" --format "" lint)
expect_set "bash: tcptune --format <TAB> lint (the command after the cursor)" "$out" $all_formats
out=$(bash_complete "$bin" lint --format = j)
expect_set "bash: tcptune lint --format=j<TAB>" "$out" json
out=$(bash_complete "$bin" sockets --format =)
expect_set "bash: tcptune sockets --format=<TAB>" "$out" text json prometheus
out=$(bash_complete "$bin" --color "")
expect_set "bash: tcptune --color <TAB>" "$out" auto always never
out=$(bash_complete "$bin" lint --fail-on "")
expect_set "bash: tcptune lint --fail-on <TAB>" "$out" error warning info
out=$(bash_complete "$bin" apply --semantics "")
expect_set "bash: tcptune apply --semantics <TAB>" "$out" systemd procps
out=$(bash_complete "$bin" sockets --source "")
expect_set "bash: tcptune sockets --source <TAB>" "$out" auto netlink proc
codes=$(timeout 20 "$bin" rules | awk '/^TT6/ {print $1}')
out=$(bash_complete "$bin" explain TT6)
expect_set "bash: tcptune explain TT6<TAB>" "$out" $codes
expect_quiet "bash: tcptune explain TT6<TAB>"
out=$(bash_complete "$bin" explain TT6013 "")
expect_set "bash: tcptune explain TT6013 <TAB> (one argument only)" "$out"
out=$(bash_complete "$bin" lint --exclude TT2003,TT200)
expect_has "bash: tcptune lint --exclude TT2003,TT200<TAB>" "$out" TT2003,TT2001 TT2003,TT2004
out=$(bash_complete "$bin" --root "$journal_root" rollback "")
expect_set "bash: tcptune --root J rollback <TAB>" "$out" 20260101T000000Z-01 20260102T000000Z-01
out=$(bash_complete "$bin" rollback --root "$journal_root" --force 202601)
expect_set "bash: tcptune rollback --root J --force 202601<TAB>" "$out" \
  20260101T000000Z-01 20260102T000000Z-01
out=$(bash_complete "$bin" --root tests/fixtures/user-)
expect_set "bash: tcptune --root tests/fixtures/user-<TAB>" "$out" tests/fixtures/user-profiles \
  tests/fixtures/user-profiles-bad
out=$(bash_complete "$bin" --data-dir prof)
expect_set "bash: tcptune --data-dir prof<TAB>" "$out" profiles
out=$(bash_complete "$bin" lint tests/fixtures/blog/etc/sysctl.)
expect_set "bash: tcptune lint tests/fixtures/blog/etc/sysctl.<TAB>" "$out" \
  tests/fixtures/blog/etc/sysctl.conf tests/fixtures/blog/etc/sysctl.d
out=$(bash_complete "$bin" apply --fragment tests/fixtures/blog/etc/sysctl.)
expect_has "bash: tcptune apply --fragment tests/fixtures/blog/etc/sysctl.<TAB>" "$out" \
  tests/fixtures/blog/etc/sysctl.d tests/fixtures/blog/etc/sysctl.conf
out=$(BASH_PATH=$work/bin:$PATH bash_complete tcptune apply --profile "")
expect_has "bash: the tcptune in PATH" "$out" base web db-client load-tester
out=$(BASH_PATH=$work/bin:$PATH bash_complete tcptune --root tests/fixtures/user-profiles profiles s)
expect_set "bash: the tcptune in PATH, --root" "$out" shop
start=$SECONDS
out=$(BASH_PATH=$work/slow:$PATH bash_complete tcptune apply --profile "")
rc=$?
if ((rc != 0 || SECONDS - start > 10)); then
  bad "bash: a tcptune that hangs: exit $rc after $((SECONDS - start)) s"
else ok; fi
out=$(BASH_PATH=/nonexistent bash_complete tcptune apply --profile "")
expect_set "bash: no tcptune in PATH" "$out"
expect_quiet "bash: no tcptune in PATH"

# A user's shell may run with set -eu.
out=$(BASH_STRICT=1 bash_complete "$bin" --root tests/fixtures/user-profiles apply --profile "")
expect_set "bash: under set -eu, apply --profile <TAB>" "$out" base web db-client load-tester shop
out=$(BASH_STRICT=1 bash_complete "$bin" lint tests/fixtures/blog/etc/sysctl.)
expect_set "bash: under set -eu, lint FILE<TAB>" "$out" tests/fixtures/blog/etc/sysctl.conf \
  tests/fixtures/blog/etc/sysctl.d
out=$(BASH_STRICT=1 bash_complete "$bin" check --netns "")
rc=$?
if ((rc == 0)); then ok; else bad "bash: under set -eu, check --netns <TAB>: exit $rc"; fi

# Drift: every option in the help is offered, every command option offered is accepted.
out=$(bash_complete "$bin" -)
expect_has "bash: tcptune -<TAB> offers the global options of tcptune --help" "$out" \
  $global_options
for cmd in $commands; do
  cmd_help=$(timeout 20 "$bin" "$cmd" --help)
  long=$(grep -oE -- '(^|[][ (|,])--[a-z][a-z0-9-]*' <<<"$cmd_help" | grep -oE -- '--[a-z0-9-]+' |
    sort -u)
  out=$(bash_complete "$bin" "$cmd" -)
  expect_has "bash: tcptune $cmd -<TAB> offers the options of tcptune $cmd --help" "$out" \
    $long $global_options
  for opt in $(grep -E '^--' <<<"$out"); do
    grep -qxF -- "$opt" <<<"$global_options" && continue
    msg=$(timeout 20 "$bin" "$cmd" "$opt=x" --help 2>&1 >/dev/null)
    if [[ $msg == *nrecogni* ]]; then
      bad "bash: tcptune $cmd -<TAB> offers $opt, which tcptune $cmd does not accept ($msg)"
    else ok; fi
  done
done
out=$(bash_complete "$bin" apply --dry-run --exclude x --)
if grep -qx -- --dry-run <<<"$out"; then bad "bash: --dry-run offered twice"; else ok; fi

bash_fail=$fail
echo "bash: $pass checks passed, $fail failed"

# ---------------------------------------------------------------------------------------
# zsh

if ! command -v zsh >/dev/null 2>&1; then
  echo "SKIP zsh: zsh is not installed"
  ((fail == 0)) && exit 77
  exit 1
fi

# The lines to complete, one per line (TAB is typed at the end); case N writes what compsys
# offered to $work/zsh/N.
zsh_lines=(
  "tcptune "
  "tcptune check --pro"
  "tcptune apply --profile "
  "tcptune --root tests/fixtures/user-profiles apply --profile "
  "tcptune check --format "
  "tcptune lint --format "
  "tcptune explain TT6"
  "tcptune --root $journal_root rollback "
  "$bin profiles "
  "tcptune --color "
  "tcptune lint --exclude TT2003,TT200"
  "tcptune --root tests/fixtures/user-"
  "tcptune lint tests/fixtures/blog/etc/sysctl."
  "tcptune --root $work/no-such-dir apply --profile "
  "tcptune apply --profile=w"
  "tcptune -"
)
for cmd in $commands; do zsh_lines+=("tcptune $cmd -"); done
zsh_format_first=$((${#zsh_lines[@]} + 1))
for cmd in $commands; do zsh_lines+=("tcptune $cmd --format "); done
zsh_lines+=("tcptune --format ")
zsh_slow_case=$((${#zsh_lines[@]} + 1))
zsh_lines+=("tcptune apply --profile ") # with the hanging tcptune first in PATH
mkdir -p "$work/zsh" "$work/home"
printf '%s\n' "${zsh_lines[@]}" >"$work/zsh/lines"

cat >"$work/driver.zsh" <<'EOF'
# driver.zsh COMPLETIONS_DIR PATH_DIR SLOW_DIR SLOW_CASE LINES OUT_DIR
zmodload zsh/zpty || { print -u2 "zsh/zpty is not available"; exit 3 }
zmodload zsh/datetime || exit 3
comp_dir=$1 path_dir=$2 slow_dir=$3 slow_case=$4 lines_file=$5 out_dir=$6
nl=$'\n'
zpty -b z 'zsh -f -i' || exit 3
send() { zpty -w -n z "$1" }
# Reads the terminal until $1 appears: 1 after $2 seconds without it.
expect() {
  local buf= chunk deadline=$(( EPOCHREALTIME + ${2:-15} ))
  while (( EPOCHREALTIME < deadline )); do
    if zpty -rt z chunk 2>/dev/null; then
      buf+=$chunk
      [[ $buf == *"$1"* ]] && return 0
    else
      sleep 0.05
    fi
  done
  print -r -u2 -- "timed out waiting for $1; the terminal showed: ${(V)buf[-2000,-1]}"
  return 1
}
# The marker is printed by an arithmetic expansion, so the echo of the typed command line
# never matches it.
send "PS1='%% '; PATH=$path_dir:\$PATH; fpath=($comp_dir \$fpath); autoload -U compinit; compinit -u -D; unsetopt auto_list auto_menu list_beep beep; bindkey '^I' complete-word$nl"
send 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hits; builtin compadd -A __hits "$@"
  (( $#__hits )) && print -rl -- $__hits >>$__capture
  builtin compadd "$@"
}'$nl
send '__end() { print -r -- __END__ >>$__capture }'$nl
send 'print READY_$((40+2))'$nl
expect READY_42 || exit 1
integer i=0
for line in ${(f)"$(<$lines_file)"}; do
  (( ++i ))
  setup="__capture=$out_dir/$i; : >\$__capture; comppostfuncs=(__end)"
  (( i == slow_case )) && setup+="; PATH=$slow_dir:\$PATH; rehash"
  send "$setup; print READY_\$(($i+1000))$nl"
  expect READY_$((i + 1000)) || exit 1
  send "$line"$'\t'
  # Type nothing more until the completion has finished (its comppostfuncs hook writes
  # __END__): typeahead changes what completion does.
  deadline=$(( EPOCHREALTIME + 15 ))
  until [[ -f $out_dir/$i && "$(<$out_dir/$i)" == *__END__* ]]; do
    if (( EPOCHREALTIME > deadline )); then
      print -u2 "case $i: the completion did not finish: $line"
      exit 1
    fi
    sleep 0.05
    zpty -rt z chunk 2>/dev/null # keep the terminal drained
  done
  # kill the line whatever the completion inserted, then a marker
  send $'\C-u'"print DONE_\$(($i+1000))$nl"
  expect DONE_$((i + 1000)) || { print -u2 "case $i: $line"; exit 1 }
done
send "exit$nl"
zpty -d z
exit 0
EOF

timeout 180 env HOME="$work/home" zsh -f "$work/driver.zsh" "$zsh_dir" "$work/bin" "$work/slow" \
  "$zsh_slow_case" "$work/zsh/lines" "$work/zsh"
rc=$?
if ((rc != 0)); then
  bad "zsh: the zpty session failed (exit $rc)"
else
  zsh_out() { grep -vx __END__ "$work/zsh/$1" 2>/dev/null; }
  expect_set "zsh: tcptune <TAB>" "$(zsh_out 1)" $commands
  expect_set "zsh: tcptune check --pro<TAB>" "$(zsh_out 2)" --profile
  expect_set "zsh: tcptune apply --profile <TAB>" "$(zsh_out 3)" base web db-client load-tester
  expect_set "zsh: tcptune --root tests/fixtures/user-profiles apply --profile <TAB>" \
    "$(zsh_out 4)" base web db-client load-tester shop
  expect_set "zsh: tcptune check --format <TAB>" "$(zsh_out 5)" ${formats_of[check]}
  expect_set "zsh: tcptune lint --format <TAB>" "$(zsh_out 6)" ${formats_of[lint]}
  expect_set "zsh: tcptune explain TT6<TAB>" "$(zsh_out 7)" $codes
  expect_set "zsh: tcptune --root J rollback <TAB>" "$(zsh_out 8)" 20260101T000000Z-01 \
    20260102T000000Z-01
  expect_has "zsh: BIN profiles <TAB> (the binary named by its path)" "$(zsh_out 9)" \
    base web db-client load-tester
  expect_set "zsh: tcptune --color <TAB>" "$(zsh_out 10)" auto always never
  expect_has "zsh: tcptune lint --exclude TT2003,TT200<TAB>" "$(zsh_out 11)" TT2001 TT2004
  expect_set "zsh: tcptune --root tests/fixtures/user-<TAB>" "$(zsh_out 12)" user-profiles \
    user-profiles-bad
  expect_set "zsh: tcptune lint tests/fixtures/blog/etc/sysctl.<TAB>" "$(zsh_out 13)" \
    sysctl.conf sysctl.d
  expect_set "zsh: profiles under a missing root" "$(zsh_out 14)"
  expect_set "zsh: tcptune apply --profile=w<TAB>" "$(zsh_out 15)" web
  expect_has "zsh: tcptune -<TAB> offers the global options of tcptune --help" "$(zsh_out 16)" \
    $global_options
  i=16
  for cmd in $commands; do
    i=$((i + 1))
    long=$(timeout 20 "$bin" "$cmd" --help | grep -oE -- '(^|[][ (|,])--[a-z][a-z0-9-]*' |
      grep -oE -- '--[a-z0-9-]+' | sort -u)
    expect_has "zsh: tcptune $cmd -<TAB> offers the options of tcptune $cmd --help" \
      "$(zsh_out $i)" $long $global_options
    for opt in $(grep -E '^--' <<<"$(zsh_out $i)"); do
      grep -qxF -- "$opt" <<<"$global_options" && continue
      msg=$(timeout 20 "$bin" "$cmd" "$opt=x" --help 2>&1 >/dev/null)
      if [[ $msg == *nrecogni* ]]; then
        bad "zsh: tcptune $cmd -<TAB> offers $opt, which tcptune $cmd does not accept ($msg)"
      else ok; fi
    done
  done
  i=$((zsh_format_first - 1))
  for cmd in $commands; do
    i=$((i + 1))
    expect_set "zsh: tcptune $cmd --format <TAB> (the formats $cmd accepts)" "$(zsh_out $i)" \
      ${formats_of[$cmd]}
  done
  expect_set "zsh: tcptune --format <TAB> (no command yet)" "$(zsh_out $((i + 1)))" $all_formats
  expect_set "zsh: a tcptune that hangs offers nothing (and the session went on)" \
    "$(zsh_out $zsh_slow_case)"
fi

echo "bash and zsh: $pass checks passed, $fail failed ($((fail - bash_fail)) in zsh)"
((fail == 0))
