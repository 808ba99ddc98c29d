$TCPTUNE --root "$CHECK_ROOTS/rhel7-recycle" check
