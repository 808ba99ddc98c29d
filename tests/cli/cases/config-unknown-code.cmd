$TCPTUNE --config tests/fixtures/config-unknown-code/tcptune.toml lint --kernel 6.1 tests/fixtures/config-bad/etc
