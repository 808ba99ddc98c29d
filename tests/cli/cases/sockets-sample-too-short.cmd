$TCPTUNE --root tests/fixtures/census-mix sockets --sample 1e-9
