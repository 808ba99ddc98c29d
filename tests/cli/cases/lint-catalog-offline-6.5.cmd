$TCPTUNE lint --kernel 6.5 --format gcc tests/fixtures/catalog/offline.conf
