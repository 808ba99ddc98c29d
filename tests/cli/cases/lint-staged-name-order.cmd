cd tests/fixtures/precommit-tree && $TCPTUNE lint --kernel 6.1 etc/sysctl.conf etc/sysctl.d/60-app.conf --format gcc
