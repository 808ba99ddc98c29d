$TCPTUNE --root tests/fixtures/debian12 config --format json
