$TCPTUNE --root "$CHECK_ROOTS/web-blog" check --format checkstyle
