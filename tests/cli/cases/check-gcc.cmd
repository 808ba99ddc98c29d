$TCPTUNE --root "$CHECK_ROOTS/web-blog" check --profile base --fail-on error --format gcc
