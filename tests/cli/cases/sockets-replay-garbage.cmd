$TCPTUNE sockets --replay tests/fixtures/blog/etc/sysctl.conf
