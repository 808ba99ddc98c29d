$TCPTUNE explain net.ipv4.tcp_tw_reuse
