#!/usr/bin/env bash
# Install and package checks: package_test.sh BUILD_DIR TESTS_DIR
#
# 1. `cmake --install` into a temporary prefix: binary, data, man pages, completions, docs.
# 2. `cpack -G DEB` into a temporary directory; the package's control fields (Depends computed
#    by dpkg-shlibdeps must name the libraries the binary links, each an installed package),
#    then `dpkg-deb -x` into a temporary directory and run the UNPACKED binary: --version shows
#    the unpacked data directory, `lint` on fixture files and `check --root` on a fixture.
# Nothing is installed into the machine's own /usr: dpkg -i is never run.
set -uo pipefail
build=$(cd "$1" && pwd)
tests=$(cd "$2" && pwd)
src=$(dirname "$tests")
unset TCPTUNE_DATA_DIR  # the installed binary must find its own data
fails=0
pass=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }
tmp=$(mktemp -d /tmp/tcptune-pkg.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# --- 1. cmake --install ------------------------------------------------------------------------
prefix=$tmp/prefix
if timeout 120 cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
  ok "cmake --install --prefix $prefix"
else
  bad "cmake --install failed: $(cat "$tmp/install.log")"
fi
for f in sbin/tcptune share/tcptune/rules/keys.toml share/tcptune/rules/lint.toml \
  share/tcptune/rules/check.toml share/tcptune/profiles/base.toml share/tcptune/profiles/web.toml \
  share/tcptune/profiles/db-client.toml share/tcptune/profiles/load-tester.toml \
  share/man/man8/tcptune.8.gz share/man/man5/tcptune.rules.5.gz share/man/man5/tcptune.profile.5.gz \
  share/man/man7/tcptune-codes.7.gz share/bash-completion/completions/tcptune \
  share/zsh/site-functions/_tcptune share/doc/tcptune/README.md share/doc/tcptune/copyright share/doc/tcptune/changelog.gz; do
  if [[ -f $prefix/$f ]]; then ok "installed $f"; else bad "cmake --install did not install $f"; fi
done
v=$(timeout 20 "$prefix/sbin/tcptune" --version 2>&1)
if [[ $v == *"data directory: $prefix/share/tcptune"* && $v == *"knowledge: the built-in snapshot"* ]]; then
  ok "installed tcptune --version names the installed data, the snapshot stands for it: $(echo "$v" | tr '\n' ' ')"
else
  bad "installed tcptune --version: $v"
fi
# The installed bash completion loads and completes commands and profile names.
out=$(PATH="$prefix/sbin:$PATH" timeout 30 bash --norc --noprofile -c '
  source "$1" || exit 3
  f=$(complete -p tcptune | sed -E "s/.*-F ([^ ]+).*/\1/")
  COMP_WORDS=(tcptune ap); COMP_CWORD=1; COMP_LINE="tcptune ap"; COMP_POINT=${#COMP_LINE}
  COMPREPLY=(); "$f" tcptune ap tcptune
  echo "cmds:${COMPREPLY[*]}"
  COMP_WORDS=(tcptune apply --profile ""); COMP_CWORD=3; COMP_LINE="tcptune apply --profile "
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=(); "$f" tcptune "" --profile
  echo "profiles:${COMPREPLY[*]}"' _ "$prefix/share/bash-completion/completions/tcptune" 2>&1)
if [[ $out == *"cmds:apply"* && $out == *profiles:*base* && $out == *profiles:*load-tester* ]]; then
  ok "installed bash completion: $(echo "$out" | tr '\n' ' ')"
else
  bad "installed bash completion did not complete: $out"
fi

# Completions land where the shells look, for a package (/usr) and a local install (/usr/local):
# the zsh directory must be in Debian's zsh default $fpath, the bash one must be pkg-config's
# completionsdir for /usr and <prefix>/share/bash-completion/completions (searched through
# XDG_DATA_DIRS, default /usr/local/share:/usr/share) for /usr/local.
if command -v zsh >/dev/null; then
  fpath_list=$(zsh -fc 'print -l $fpath')
  for p in /usr /usr/local; do
    d=$tmp/destdir$p
    DESTDIR=$tmp/destdir timeout 120 cmake --install "$build" --prefix "$p" >/dev/null 2>&1
    z=$(cd "$tmp/destdir" && find ."$p"/share/zsh -name _tcptune 2>/dev/null | head -1)
    z=${z#.}
    if [[ -n $z ]] && grep -qxF "$(dirname "$z")" <<<"$fpath_list"; then
      ok "prefix $p: zsh completion $z is in zsh's \$fpath"
    else
      bad "prefix $p: zsh completion at '${z:-nowhere}' is not in zsh's \$fpath"
    fi
    [[ -f $d/share/bash-completion/completions/tcptune ]] &&
      ok "prefix $p: bash completion in $p/share/bash-completion/completions" ||
      bad "prefix $p: no bash completion in $p/share/bash-completion/completions"
  done
  if bc=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null); then
    [[ $bc == /usr/share/bash-completion/completions ]] && ok "pkg-config completionsdir is $bc" ||
      bad "pkg-config completionsdir $bc differs from the installed /usr path"
  fi
else
  bad "zsh is not installed (.ci/packages lists it)"
fi

# --- 2. The Debian package --------------------------------------------------------------------
pkgdir=$tmp/pkg
mkdir -p "$pkgdir"
if (cd "$build" && timeout 300 cpack -G DEB -B "$pkgdir" >"$tmp/cpack.log" 2>&1); then
  ok "cpack -G DEB"
else
  bad "cpack failed: $(tail -20 "$tmp/cpack.log")"
fi
deb=$(ls "$pkgdir"/tcptune_*.deb 2>/dev/null | head -1)
if [[ -z $deb ]]; then
  bad "no tcptune_*.deb in $pkgdir: $(ls "$pkgdir")"
  echo "package: $pass passed, $fails failed"
  exit 1
fi
ok "built $(basename "$deb")"
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == tcptune ]] && ok "Package: tcptune" || bad "Package: $(field Package)"
[[ $(field Architecture) == "$(dpkg --print-architecture)" ]] && ok "Architecture: $(field Architecture)" ||
  bad "Architecture: $(field Architecture)"
depends=$(field Depends)
echo "Depends: $depends"
# Every shared library the binary needs directly (its DT_NEEDED entries; what those load in
# turn, such as libstdc++'s libgcc_s, is their packages' Depends, as dpkg-shlibdeps has it) comes
# from a package named in Depends.
# The package that owns a file (merged /usr: dpkg may know it with or without the /usr prefix).
package_of() {
  local o
  o=$(dpkg -S "$1" 2>/dev/null || dpkg -S "${1#/usr}" 2>/dev/null || dpkg -S "/usr$1" 2>/dev/null)
  echo "${o%%:*}"
}
needed=" $(objdump -p "$build/tcptune" | awk '$1 == "NEEDED" {printf "%s ", $2}')"
for lib in $(ldd "$build/tcptune" | awk -v needed="$needed" '/=>/ && index(needed, " " $1 " ") {print $3}'); do
  real=$(readlink -f "$lib")
  owner=$(package_of "$real")
  case $(basename "$lib") in
    libasan* | libubsan*) continue ;;  # sanitizer builds (CI runs this test twice)
  esac
  if [[ -z $owner ]]; then
    bad "no package owns $real (needed by tcptune)"
  elif [[ ",$depends," == *", $owner "* || ",$depends," == *",$owner "* || ",$depends," == *", $owner,"* || ",$depends," == *",$owner,"* || $depends == "$owner "* ]]; then
    ok "Depends names $owner (for $(basename "$lib"))"
  else
    bad "Depends lacks $owner (for $(basename "$lib")): $depends"
  fi
done
# Each dependency is a real, installed package at a satisfying version.
IFS=',' read -ra deps <<<"$depends"
for d in "${deps[@]}"; do
  d=$(echo "$d" | sed -E 's/^ +| +$//g')
  name=${d%% *}
  name=${name%%:*}
  if have=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null) && [[ -n $have ]]; then
    if [[ $d =~ \((\>=|\>\>|=|\<=|\<\<)\ ([^\)]+)\) ]]; then
      op=${BASH_REMATCH[1]}
      want=${BASH_REMATCH[2]}
      case $op in '>=') dop=ge ;; '>>') dop=gt ;; '=') dop=eq ;; '<=') dop=le ;; '<<') dop=lt ;; esac
      if dpkg --compare-versions "$have" "$dop" "$want"; then
        ok "dependency $d satisfied by $name $have"
      else
        bad "dependency $d not satisfied by $name $have"
      fi
    else
      ok "dependency $name installed ($have)"
    fi
  else
    bad "dependency $name is not a known installed package"
  fi
done
# ncursesw is not linked: `sockets --watch` loads it (dlopen) by the SONAME the binary carries.
# The package recommends the package that owns it (without it the view is one line per refresh).
if objdump -p "$build/tcptune" | awk '$1 == "NEEDED"' | grep -q ncurses; then
  bad "tcptune links ncurses (it should load it only for --watch)"
else
  ok "tcptune does not link ncurses"
fi
soname=$(strings "$build/tcptune" | grep -m1 -E '^libncursesw\.so\.[0-9]+$')
nclib=$(ldconfig -p | awk -v s="$soname" '$1 == s {print $NF; exit}')
ncowner=$(package_of "$(readlink -f "$nclib")")
recommends=$(field Recommends)
if [[ -n $soname && -n $ncowner && ",$recommends," =~ [,\ ]$ncowner[,\ ] ]]; then
  ok "Recommends names $ncowner (for $soname, which sockets --watch loads)"
else
  bad "Recommends ($recommends) lacks the owner ($ncowner) of $soname ($nclib)"
fi
contents=$(dpkg-deb -c "$deb")
for f in ./usr/sbin/tcptune ./usr/share/tcptune/rules/check.toml ./usr/share/tcptune/profiles/web.toml \
  ./usr/share/man/man8/tcptune.8.gz ./usr/share/man/man7/tcptune-codes.7.gz \
  ./usr/share/bash-completion/completions/tcptune ./usr/share/zsh/vendor-completions/_tcptune; do
  if grep -q " $f\$" <<<"$contents"; then ok "package has $f"; else bad "package lacks $f"; fi
done
if grep -qE ' \./(usr/local|home|root|tmp|work)/' <<<"$contents"; then
  bad "package has files outside /usr: $(grep -E ' \./(usr/local|home|root|tmp|work)/' <<<"$contents" | head -3)"
else
  ok "every file is under /usr"
fi

# Unpack (never dpkg -i) and run the unpacked binary.
un=$tmp/unpacked
mkdir -p "$un"
dpkg-deb -x "$deb" "$un" || bad "dpkg-deb -x failed"
bin=$un/usr/sbin/tcptune
v=$(timeout 20 "$bin" --version 2>&1)
if [[ $v == *"data directory: $un/usr/share/tcptune"* && $v == *"knowledge: the built-in snapshot"* ]]; then
  ok "unpacked --version uses the unpacked data through the snapshot: $(echo "$v" | tr '\n' ' ')"
else
  bad "unpacked --version: $v"
fi
timeout 60 "$bin" lint "$tests/fixtures/blog/etc/sysctl.d/"*.conf >"$tmp/lint.out" 2>&1
rc=$?
if [[ $rc == 1 ]] && grep -q "TT" "$tmp/lint.out"; then
  ok "unpacked tcptune lint on the blog fixture: exit 1 with findings ($(grep -c ': error: \|: warning: ' "$tmp/lint.out") lines)"
else
  bad "unpacked tcptune lint: exit $rc: $(head -5 "$tmp/lint.out")"
fi
timeout 60 "$bin" --root "$tests/fixtures/debian12" lint >"$tmp/lint2.out" 2>&1
rc=$?
[[ $rc == 0 || $rc == 1 ]] && ok "unpacked tcptune --root debian12 lint: exit $rc" ||
  bad "unpacked tcptune --root debian12 lint: exit $rc: $(head -5 "$tmp/lint2.out")"
fx=$tmp/fixtures
if timeout 60 python3 "$tests/fixtures/check/make_fixtures.py" --out "$fx" >/dev/null 2>&1; then
  timeout 60 "$bin" --root "$fx/blog-sysctl-conf" check --format json >"$tmp/check.json" 2>"$tmp/check.err"
  rc=$?
  if [[ $rc == 1 ]] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "tcptune.check/1", d["schema"]
codes = {f["code"] for f in d["findings"]}
assert "TT6002" in codes, codes
print(sorted(codes))' "$tmp/check.json" >"$tmp/codes" 2>&1; then
    ok "unpacked tcptune --root blog-sysctl-conf check: exit 1, findings $(cat "$tmp/codes")"
  else
    bad "unpacked tcptune check --root: exit $rc: $(cat "$tmp/check.err" "$tmp/codes" 2>/dev/null | head -5)"
  fi
else
  bad "make_fixtures.py failed"
fi
man_out=$(MANWIDTH=80 timeout 20 man -l "$un/usr/share/man/man8/tcptune.8.gz" 2>/dev/null | head -3 || true)
[[ -n $man_out ]] || man_out=$(timeout 20 mandoc "$un/usr/share/man/man8/tcptune.8.gz" 2>/dev/null | head -3)
[[ $man_out == *TCPTUNE* ]] && ok "the packaged tcptune(8) renders" || bad "packaged tcptune(8) does not render"

echo "package: $pass passed, $fails failed"
[[ $fails == 0 ]]
