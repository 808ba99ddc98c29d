$TCPTUNE --root "$CHECK_ROOTS/drift" --format json check
