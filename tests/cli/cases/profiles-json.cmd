$TCPTUNE --format json profiles web
