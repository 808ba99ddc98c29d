$TCPTUNE --bogus
