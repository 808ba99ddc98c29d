cd tests/fixtures/config-bad && $TCPTUNE lint etc
