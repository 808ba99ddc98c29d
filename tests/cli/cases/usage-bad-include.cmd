$TCPTUNE lint --kernel 6.1 --include TT9999 tests/fixtures/config-bad/etc
