$TCPTUNE explain kernel.sched_latency_ns
