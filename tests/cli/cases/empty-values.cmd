$TCPTUNE --root '' check; echo "exit $?"; $TCPTUNE check --kernel ''; echo "exit $?"; $TCPTUNE lint ''; echo "exit $?"; $TCPTUNE --root tests/fixtures/blog rollback ''
