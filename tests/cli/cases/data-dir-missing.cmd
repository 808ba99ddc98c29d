$TCPTUNE --data-dir /nonexistent lint --kernel 6.1 tests/fixtures/blog/etc/sysctl.conf
