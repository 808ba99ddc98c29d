$TCPTUNE lint --format xml
