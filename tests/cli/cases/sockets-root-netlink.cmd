$TCPTUNE --root tests/fixtures/blog sockets --source netlink
