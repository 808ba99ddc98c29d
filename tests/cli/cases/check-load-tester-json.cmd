$TCPTUNE --root "$CHECK_ROOTS/load-tester" --format json check
