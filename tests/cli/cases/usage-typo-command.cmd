$TCPTUNE lnit
