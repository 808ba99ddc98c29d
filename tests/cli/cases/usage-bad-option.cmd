$TCPTUNE lint --frobnicate
