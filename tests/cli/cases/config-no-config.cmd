cd tests/fixtures/config-project && $TCPTUNE --no-config lint etc/sysctl.d --kernel 6.1 --semantics procps --format gcc
