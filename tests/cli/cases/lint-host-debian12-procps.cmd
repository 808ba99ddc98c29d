$TCPTUNE --root tests/fixtures/debian12 lint --semantics procps
