$TCPTUNE --color always --root tests/fixtures/blog lint --exclude TT4003,TT4004,TT4001,TT4005
