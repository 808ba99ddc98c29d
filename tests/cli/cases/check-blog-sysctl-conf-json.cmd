$TCPTUNE --root "$CHECK_ROOTS/blog-sysctl-conf" --format json check
