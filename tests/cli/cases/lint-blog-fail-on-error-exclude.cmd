$TCPTUNE --root tests/fixtures/blog lint --format gcc --fail-on error --exclude TT2003
