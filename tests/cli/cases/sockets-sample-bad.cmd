$TCPTUNE --root tests/fixtures/census-mix sockets --sample 70s
