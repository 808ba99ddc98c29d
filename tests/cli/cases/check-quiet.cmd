$TCPTUNE --root "$CHECK_ROOTS/drift" -q check
