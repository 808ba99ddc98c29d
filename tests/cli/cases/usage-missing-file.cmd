$TCPTUNE lint tests/fixtures/does-not-exist.conf --kernel 6.1
