$TCPTUNE profiles
