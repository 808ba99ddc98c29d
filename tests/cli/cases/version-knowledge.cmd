# The built-in knowledge snapshot stands for the shipped data files, and only for them: a copy
# with one byte more in a profile is parsed, and check and explain say the same through both.
$TCPTUNE -V | grep '^knowledge:'
d=$(mktemp -d) && cp -r "$TCPTUNE_DATA_DIR/rules" "$TCPTUNE_DATA_DIR/profiles" "$d/" && echo >> "$d/profiles/web.toml"
$TCPTUNE -V --data-dir "$d" | grep '^knowledge:'
same() { # label, command...: the output through the snapshot and through the parsed copy
  a=$("${@:2}" 2>&1 | sed "s|$TCPTUNE_DATA_DIR/||g")
  b=$("${@:2:1}" --data-dir "$d" "${@:3}" 2>&1 | sed "s|$d/||g")
  if [ "$a" = "$b" ]; then echo "$1: the same, $(echo "$a" | wc -l) lines"; else echo "$1: DIFFERENT"; fi
}
same "check (blog-sysctl-conf, json)" $TCPTUNE --root "$CHECK_ROOTS/blog-sysctl-conf" --format json check --sample 0
same "check --profile web (text)" $TCPTUNE --root "$CHECK_ROOTS/blog-sysctl-conf" check --profile web --sample 0
same "explain net.ipv4.tcp_tw_reuse" $TCPTUNE explain net.ipv4.tcp_tw_reuse
same "explain TT6001" $TCPTUNE explain TT6001
rm -rf "$d"
