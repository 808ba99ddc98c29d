$TCPTUNE --config tests/fixtures/no-such.toml lint tests/fixtures/config-bad/etc
