$TCPTUNE --root tests/fixtures/census-mix sockets --sample 500ms --format json
