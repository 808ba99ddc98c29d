$TCPTUNE --root "$CHECK_ROOTS/mysql-client" check --profile web --fail-on error
