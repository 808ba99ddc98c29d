$TCPTUNE --root "$CHECK_ROOTS/blog-sysctl-conf" check --no-sockets --kernel 3.10
