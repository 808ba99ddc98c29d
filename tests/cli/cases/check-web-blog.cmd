$TCPTUNE --root "$CHECK_ROOTS/web-blog" check
