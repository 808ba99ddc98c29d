$TCPTUNE profiles db-client
