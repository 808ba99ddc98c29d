$TCPTUNE lint tests/fixtures/malformed/bad.conf --kernel 6.1 --format gcc --exclude TT1001 --severity error
