$TCPTUNE --config tests/fixtures/config-project/.tcptune.toml lint tests/fixtures/config-project/etc/sysctl.d --format gcc
