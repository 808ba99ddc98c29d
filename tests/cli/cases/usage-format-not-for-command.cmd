$TCPTUNE explain TT2003 --format json
