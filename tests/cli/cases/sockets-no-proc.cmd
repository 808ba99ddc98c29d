$TCPTUNE --root tests/fixtures/blog-nolink sockets
