$TCPTUNE --root "$CHECK_ROOTS/mysql-client" --format json check
