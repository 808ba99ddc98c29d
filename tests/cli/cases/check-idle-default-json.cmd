$TCPTUNE --root "$CHECK_ROOTS/idle-default" --format json check
