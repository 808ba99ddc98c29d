$TCPTUNE explain net.ipv6.conf.eth0.accept_dad
