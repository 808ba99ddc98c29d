$TCPTUNE --root tests/fixtures/debian12 lint
