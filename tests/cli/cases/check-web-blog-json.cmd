$TCPTUNE --root "$CHECK_ROOTS/web-blog" --format json check
