$TCPTUNE --data-dir tests/fixtures/bad-check-data rules
