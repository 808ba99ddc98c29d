$TCPTUNE --root tests/fixtures/precedence lint --format gcc
