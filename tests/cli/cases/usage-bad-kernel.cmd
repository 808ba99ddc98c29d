$TCPTUNE lint --kernel 5.x
