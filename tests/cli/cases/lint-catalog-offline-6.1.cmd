$TCPTUNE lint --kernel 6.1 --format gcc tests/fixtures/catalog/offline.conf
