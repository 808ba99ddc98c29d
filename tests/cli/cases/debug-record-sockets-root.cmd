$TCPTUNE --root tests/fixtures/blog debug record-sockets /dev/null
