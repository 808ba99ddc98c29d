$TCPTUNE --root "$CHECK_ROOTS/web-blog" check --include TT6014,TT6016 --format gcc
