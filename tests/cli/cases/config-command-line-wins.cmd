cd tests/fixtures/config-project && $TCPTUNE lint etc/sysctl.d --kernel 5.4 --fail-on warning --severity warning --include TT4001,TT4005 --exclude TT4001 --format gcc
