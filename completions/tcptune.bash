# bash completion for tcptune(8)                                      -*- shell-script -*-
#
# Installed as share/bash-completion/completions/tcptune (loaded on demand by the
# bash-completion package), or source it from ~/.bashrc. Self-contained: it needs none of the
# bash-completion helpers.
#
# Profile names, finding codes and transaction ids come from the tcptune being completed (the
# first word if it is a path, else the one in PATH), asked with the --root and --data-dir
# already on the line; each call is bounded by `timeout` and its errors are discarded.
#
# tests/completion/completion_test.sh checks that every option in `tcptune --help` and
# `tcptune COMMAND --help` is offered here: update the tables below with the CLI.

_tcptune_commands='check lint sockets config explain rules profiles apply rollback history'
_tcptune_global_options='--root --format --color --data-dir --config --no-config -q --quiet -h
  --help -V --version'
# Options (global or a command's) whose value is the next word.
_tcptune_value_options='--root --format --color --data-dir --config --profile --kernel --netns
  --fail-on --semantics --severity --include --exclude --top --source --replay --fragment --sample
  --interval --count --journal-keep'

# The options of each command (the global ones are accepted everywhere as well).
_tcptune_command_options() {
  case $1 in
    check) echo '--profile --kernel --no-sockets --netns --sample --fail-on --semantics --severity
      --include --exclude --no-owners --all-netns' ;;
    lint) echo '--kernel --semantics --fail-on --severity --include --exclude --whole-tree' ;;
    sockets) echo '--top --netns --source --sample --replay --watch --interval --count --no-owners
      --all-netns' ;;
    apply)
      echo '--profile --dry-run --fragment --live-only --persist-only --netns --allow-shadowed
        --semantics --journal-keep --persist --fix-files'
      ;;
    config) echo '--semantics' ;;
    rollback) echo '--force --dry-run --journal-keep' ;;
  esac
}

# The --format values each command accepts (all of them before the command is known).
_tcptune_formats() {
  case $1 in
    check) echo 'text json prometheus gcc codeclimate checkstyle' ;;
    lint) echo 'text gcc json sarif github diff codeclimate checkstyle' ;;
    sockets) echo 'text json prometheus' ;;
    explain) echo 'text' ;;
    rules) echo 'text json man markdown' ;;
    profiles | apply | rollback | history | config) echo 'text json' ;;
    *) echo 'text gcc json sarif github prometheus man markdown diff codeclimate checkstyle' ;;
  esac
}

# A word as the shell will see it, for the few words used as paths: a leading ~ expanded,
# quotes and backslashes removed. Never evaluated.
_tcptune_dequote() {
  local w=$1
  case $w in
    \~) w=$HOME ;;
    \~/*) w=$HOME/${w#\~/} ;;
  esac
  if [[ $w == \'*\' && ${#w} -ge 2 ]]; then
    w=${w:1:${#w}-2}
  elif [[ $w == \"*\" && ${#w} -ge 2 ]]; then
    w=${w:1:${#w}-2}
  else
    w=${w//\\/}
  fi
  printf '%s' "$w"
}

# Runs the tcptune being completed with the --root/--data-dir of the line and "$@": stdout
# only, at most 3 seconds, never reading the terminal.
_tcptune_ask() {
  local bin=$_tcptune_bin
  if [[ $bin != */* ]]; then
    bin=$(type -P -- "$bin") || return 0
  fi
  [[ -x $bin && ! -d $bin ]] || return 0
  local -a pre=(--color never)
  [[ -n $_tcptune_root ]] && pre+=(--root "$_tcptune_root")
  [[ -n $_tcptune_data_dir ]] && pre+=(--data-dir "$_tcptune_data_dir")
  if type -P timeout >/dev/null 2>&1; then
    timeout -k 1 3 "$bin" "${pre[@]}" "$@" </dev/null 2>/dev/null
  else
    "$bin" "${pre[@]}" "$@" </dev/null 2>/dev/null
  fi
}

# Profile names: the lines of `tcptune profiles` that are not indented, first word.
_tcptune_profile_names() {
  local line
  while IFS= read -r line; do
    [[ $line =~ ^([a-z0-9_-]+)([[:space:]]|$) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
  done < <(_tcptune_ask profiles)
  return 0
}

# Finding codes: the first word of each line of `tcptune rules`.
_tcptune_codes() {
  local line
  while IFS= read -r line; do
    [[ $line =~ ^(TT[0-9]+)[[:space:]] ]] && printf '%s\n' "${BASH_REMATCH[1]}"
  done < <(_tcptune_ask rules)
  return 0
}

# Transaction ids: the first word of each entry of `tcptune history` (not its indented lines).
_tcptune_transactions() {
  local line
  while IFS= read -r line; do
    [[ $line =~ ^([A-Za-z0-9_-]+)\ \ (pending|committed|rolled-back|rollback-failed|corrupt:) ]] &&
      printf '%s\n' "${BASH_REMATCH[1]}"
  done < <(_tcptune_ask history)
  return 0
}

# Adds to COMPREPLY the whitespace-separated candidates in $1 that start with $2.
_tcptune_reply() {
  local c
  local -a all
  IFS=$' \t\n' read -r -d '' -a all <<<"$1" || true
  for c in "${all[@]}"; do
    [[ $c == "$2"* ]] && COMPREPLY+=("$c")
  done
  return 0
}

# Adds to COMPREPLY the paths compgen $1 (-f: files and directories, -d: directories, or
# "-f -X !*.conf") offers for the word $2.
_tcptune_files() {
  compopt -o filenames 2>/dev/null || true
  local c
  local -a flags
  read -r -a flags <<<"$1"
  while IFS= read -r c; do
    [[ -n $c ]] && COMPREPLY+=("$c")
  done < <(compgen "${flags[@]}" -- "$2")
  return 0
}

_tcptune() {
  COMPREPLY=()
  local cword=$COMP_CWORD
  local cur=${COMP_WORDS[cword]} prev=
  ((cword > 0)) && prev=${COMP_WORDS[cword - 1]}
  # COMP_WORDBREAKS splits --opt=value into "--opt" "=" "value".
  local eq_prefix=
  if [[ $cur == = ]]; then
    cur=
  elif [[ $prev == = ]] && ((cword > 1)); then
    prev=${COMP_WORDS[cword - 2]}
  elif [[ $cur == --*=* ]]; then # '=' is not a word break here
    prev=${cur%%=*}
    cur=${cur#*=}
    eq_prefix=$prev=
  fi

  # Read the words before the cursor: the command, the --root/--data-dir to ask with, the
  # options used and how many arguments the command has so far.
  local _tcptune_bin=${COMP_WORDS[0]} _tcptune_root='' _tcptune_data_dir=''
  [[ $_tcptune_bin == */* || $_tcptune_bin == \~* ]] &&
    _tcptune_bin=$(_tcptune_dequote "$_tcptune_bin")
  local cmd='' nargs=0 used=' ' after_dashdash=''
  local i=1 w opt val
  local stop=$cword
  while ((i < stop)); do
    w=${COMP_WORDS[i]}
    i=$((i + 1))
    if [[ -n $after_dashdash || $w != -* ]]; then
      if [[ -z $cmd && -z $after_dashdash ]]; then
        cmd=$w
      else
        nargs=$((nargs + 1))
      fi
      continue
    fi
    if [[ $w == -- ]]; then
      after_dashdash=1
      continue
    fi
    opt=${w%%=*} val=
    if [[ $w == *=* ]]; then
      val=${w#*=}
    elif [[ ${COMP_WORDS[i]} == = && $i -lt $stop ]]; then
      val=${COMP_WORDS[i + 1]}
      i=$((i + 2))
    elif [[ " ${_tcptune_value_options//$'\n'/ } " == *" $opt "* ]]; then
      ((i < stop)) && val=${COMP_WORDS[i]}
      i=$((i + 1))
    fi
    used+="$opt "
    case $opt in
      --root) _tcptune_root=$(_tcptune_dequote "$val") ;;
      --data-dir) _tcptune_data_dir=$(_tcptune_dequote "$val") ;;
    esac
  done

  # The value of an option.
  local values=
  case $prev in
    --root | --data-dir) _tcptune_files -d "$cur" ;;
    --fragment)
      _tcptune_files -d "$cur"
      _tcptune_files "-f -X !*.conf" "$cur"
      ;;
    --replay | --config) _tcptune_files -f "$cur" ;;
    --netns)
      if [[ $cur == */* ]]; then
        _tcptune_files -f "$cur"
      else
        local f
        while IFS= read -r f; do
          [[ -n $f ]] && values+=" ${f##*/}"
        done < <(compgen -f -- /run/netns/)
      fi
      ;;
    --format) values=$(_tcptune_formats "$cmd") ;;
    --color) values='auto always never' ;;
    --fail-on | --severity) values='error warning info' ;;
    --semantics) values='systemd procps' ;;
    --source) values='auto netlink proc' ;;
    --sample) values='auto 0 1s 2s 500ms' ;;
    --profile) values=$(_tcptune_profile_names) ;;
    --exclude | --include)
      # A comma-separated list: complete its last element.
      local head='' code
      [[ $cur == *,* ]] && head=${cur%,*},
      for code in $(_tcptune_codes); do values+=" $head$code"; done
      ;;
    --kernel | --top | --interval | --count | --journal-keep)
      return 0
      ;;
    *)
      prev=
      ;;
  esac
  if [[ -n $prev ]]; then
    [[ -n $values ]] && _tcptune_reply "$values" "$cur"
    if [[ -n $eq_prefix ]]; then
      local k
      for k in "${!COMPREPLY[@]}"; do COMPREPLY[k]=$eq_prefix${COMPREPLY[k]}; done
    fi
    return 0
  fi

  # An option name.
  if [[ $cur == -* && -z $after_dashdash ]]; then
    local candidates=$_tcptune_global_options o
    if [[ -n $cmd ]]; then
      for o in $(_tcptune_command_options "$cmd"); do
        # Only --exclude and --include may be given twice.
        [[ $used == *" $o "* && $o != --exclude && $o != --include ]] || candidates+=" $o"
      done
    fi
    _tcptune_reply "$candidates" "$cur"
    return 0
  fi

  # The command, then its arguments.
  if [[ -z $cmd ]]; then
    _tcptune_reply "$_tcptune_commands" "$cur"
    return 0
  fi
  case $cmd in
    lint) _tcptune_files -f "$cur" ;;
    explain) ((nargs == 0)) && _tcptune_reply "$(_tcptune_codes)" "$cur" ;;
    profiles) ((nargs == 0)) && _tcptune_reply "$(_tcptune_profile_names)" "$cur" ;;
    rollback) ((nargs == 0)) && _tcptune_reply "$(_tcptune_transactions)" "$cur" ;;
    help) ((nargs == 0)) && _tcptune_reply "$_tcptune_commands" "$cur" ;;
  esac
  return 0
}

complete -F _tcptune tcptune
