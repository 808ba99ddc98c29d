$TCPTUNE --root "$CHECK_ROOTS/web-blog" --format prometheus check
