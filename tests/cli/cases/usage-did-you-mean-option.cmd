$TCPTUNE lint --fromat json
