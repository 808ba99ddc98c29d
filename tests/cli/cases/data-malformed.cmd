$TCPTUNE --data-dir tests/fixtures/bad-data lint --kernel 6.1 tests/fixtures/blog/etc/sysctl.conf
