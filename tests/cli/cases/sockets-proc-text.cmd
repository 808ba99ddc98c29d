$TCPTUNE --root tests/fixtures/census-mix sockets
