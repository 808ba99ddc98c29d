$TCPTUNE --root tests/fixtures/blog lint --format checkstyle
