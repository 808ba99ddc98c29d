$TCPTUNE --root tests/fixtures/debian12-packages lint --kernel 6.1
