$TCPTUNE --config tests/fixtures/config-system/etc/tcptune/syntax-error.toml lint tests/fixtures/config-bad/etc
