#pragma once
/// Parser for /proc/net/tcp and /proc/net/tcp6 (docs/facts.md#proc-net-tcp): addresses are the
/// kernel's words printed in hex (so 127.0.0.1 is 0100007F on little-endian), ports are host-order
/// hex, request sockets print state 03, TIME_WAIT mini-sockets print their substate.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "census/socket_record.hpp"

namespace tcptune {

struct ProcParseStats {
  std::size_t lines = 0;
  std::size_t sockets = 0;
  std::size_t malformed = 0;  ///< lines that could not be parsed (skipped)
  std::size_t first_bad_line = 0;
};

/// Parses a whole /proc/net/tcp{,6} text (header line included) and calls `sink` for each
/// socket. `ipv6` selects the address width (8 or 32 hex digits).
ProcParseStats parse_proc_net_tcp(std::string_view text, bool ipv6,
                                  const std::function<void(const SocketRecord&)>& sink);

}  // namespace tcptune
