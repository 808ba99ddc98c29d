$TCPTUNE rules
