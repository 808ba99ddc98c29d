$TCPTUNE lint --fail-on fatal
