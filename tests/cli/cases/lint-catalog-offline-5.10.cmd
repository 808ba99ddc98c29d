$TCPTUNE lint --kernel 5.10 --format gcc tests/fixtures/catalog/offline.conf
