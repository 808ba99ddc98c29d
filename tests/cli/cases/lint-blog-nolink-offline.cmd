$TCPTUNE --root tests/fixtures/blog-nolink lint --format gcc
