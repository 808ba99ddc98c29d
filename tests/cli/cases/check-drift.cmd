$TCPTUNE --root "$CHECK_ROOTS/drift" check
