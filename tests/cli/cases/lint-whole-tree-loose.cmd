cd tests/fixtures && $TCPTUNE lint --kernel 6.1 --whole-tree precommit-tree/etc/sysctl.d/60-app.conf config-bad/etc/60-a.conf --format gcc
