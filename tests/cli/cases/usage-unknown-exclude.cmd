$TCPTUNE lint --exclude TT9999
