$TCPTUNE --root "$CHECK_ROOTS/mysql-client" check
