$TCPTUNE --root tests/fixtures/blog sockets --format diff
