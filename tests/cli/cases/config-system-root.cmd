$TCPTUNE --root tests/fixtures/config-system lint --format gcc --severity info
