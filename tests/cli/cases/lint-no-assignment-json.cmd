$TCPTUNE lint --kernel 6.1 --format json tests/fixtures/comments-only/99-comments.conf
