$TCPTUNE --root tests/fixtures/fixable lint --kernel 6.1 --format diff
