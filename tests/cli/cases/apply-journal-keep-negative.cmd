$TCPTUNE --root tests/fixtures/blog apply --profile web --dry-run --journal-keep -1
