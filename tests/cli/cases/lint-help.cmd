$TCPTUNE lint --help
