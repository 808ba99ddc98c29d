$TCPTUNE --root tests/fixtures/proc-6.18 config --format json
