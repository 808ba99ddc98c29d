$TCPTUNE --root tests/fixtures/blog sockets --top -1
