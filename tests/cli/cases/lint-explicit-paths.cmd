$TCPTUNE lint tests/fixtures/blog/etc/sysctl.conf tests/fixtures/precedence/etc/sysctl.d --kernel 5.15 --format gcc
