$TCPTUNE --root tests/fixtures/user-profiles profiles shop
