$TCPTUNE sockets --replay tests/fixtures/census-mix/mix.nl --format json
