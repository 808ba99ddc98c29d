$TCPTUNE --root "$CHECK_ROOTS/blog-sysctl-conf" check
