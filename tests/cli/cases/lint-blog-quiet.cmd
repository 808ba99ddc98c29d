$TCPTUNE -q --root tests/fixtures/blog lint --exclude TT4003,TT4001
