$TCPTUNE lint --kernel 6.1 --severity fatal tests/fixtures/config-bad/etc
