$TCPTUNE --root tests/fixtures/blog check --no-sockets extra
