$TCPTUNE --root "$CHECK_ROOTS/idle-default" rollback --dry-run --format json
