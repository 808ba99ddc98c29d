cd tests/fixtures/config-project && $TCPTUNE lint etc/sysctl.d --format gcc
