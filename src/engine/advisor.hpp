#pragma once
/// Picks a profile from the socket census when the user gives none, and says why.

#include <string>

#include "census/census.hpp"
#include "core/catalog.hpp"

namespace tcptune {

struct Detection {
  std::string profile;  ///< "web", "db-client", "load-tester" or "base"
  std::string reason;   ///< one sentence with the numbers
};

/// Outbound connections include loopback ones (an application with a local MySQL is a
/// db-client), counted once: the server end of a local connection is not also "inbound".
/// Service kinds come from the port -> service table (rules/services.toml). In order:
///   very many outbound connections (>= 10000) mostly not to database, cache or queue ports,
///   or such a destination with less than 20 % port headroom     -> load-tester
///   >= 100 outbound connections to at most 5 service ports, more than inbound:
///     mostly to FastCGI or web ports (a proxy and its backends)  -> web
///     otherwise                                                  -> db-client
///   >= 100 inbound connections from remote peers                 -> web
///   otherwise                                                    -> base
/// A null census (--no-sockets) gives base.
Detection detect_profile(const CensusReport* census, const Catalog& services);

}  // namespace tcptune
