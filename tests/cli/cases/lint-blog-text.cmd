$TCPTUNE --root tests/fixtures/blog lint
