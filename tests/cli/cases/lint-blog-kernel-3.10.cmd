$TCPTUNE --root tests/fixtures/blog lint --kernel 3.10 --format gcc
