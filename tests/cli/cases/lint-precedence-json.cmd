$TCPTUNE --root tests/fixtures/precedence lint --format json --semantics procps
