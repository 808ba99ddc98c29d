$TCPTUNE --root "$CHECK_ROOTS/idle-default" check
