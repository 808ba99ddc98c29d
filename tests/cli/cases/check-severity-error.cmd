$TCPTUNE --root "$CHECK_ROOTS/web-blog" check --severity error --format gcc
