$TCPTUNE --root tests/fixtures/census-mix sockets --sample 100ms --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)["sample"])'
