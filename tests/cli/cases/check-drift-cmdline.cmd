$TCPTUNE --root "$CHECK_ROOTS/drift-cmdline" check
