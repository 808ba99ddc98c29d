$TCPTUNE --root "$CHECK_ROOTS/load-tester" check
