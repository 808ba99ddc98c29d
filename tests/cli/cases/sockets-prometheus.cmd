$TCPTUNE --root tests/fixtures/census-mix sockets --format prometheus --top 2
