#pragma once
/// Picks a profile from the socket census when the user gives none, and says why.

#include <string>

#include "census/census.hpp"

namespace tcptune {

struct Detection {
  std::string profile;  ///< "web", "db-client", "load-tester" or "base"
  std::string reason;   ///< one sentence with the numbers
};

/// Loopback traffic (a local proxy talking to a local backend) is left out: it says nothing
/// about the host's role. In order:
///   very many outbound connections (>= 10000) not to database ports, or a destination with
///   less than 20 % port headroom that is not a database port    → load-tester
///   >= 100 outbound connections, all to at most 5 service ports, more than inbound → db-client
///   >= 100 inbound connections on listening ports                → web
///   otherwise                                                    → base
/// A null census (--no-sockets) gives base.
Detection detect_profile(const CensusReport* census);

/// Well-known database, cache and queue ports (3306 MySQL, 5432 PostgreSQL, 6379 Redis...).
bool is_database_port(std::uint16_t port);

}  // namespace tcptune
