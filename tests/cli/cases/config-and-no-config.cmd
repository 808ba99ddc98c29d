$TCPTUNE --config tests/fixtures/config-project/.tcptune.toml --no-config lint
