#pragma once
// TCP states as the kernel numbers them (include/net/tcp_states.h), for building test records.

#include <cstdint>

namespace tcptune::test {

inline constexpr std::uint8_t k_est = 1, k_syn_recv = 3, k_tw = 6, k_close_wait = 8, k_listen = 10;

}  // namespace tcptune::test
