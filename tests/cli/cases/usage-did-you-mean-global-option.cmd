$TCPTUNE --fromat json check --no-sockets
