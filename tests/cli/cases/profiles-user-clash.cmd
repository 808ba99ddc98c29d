$TCPTUNE --root tests/fixtures/user-profiles-bad profiles
