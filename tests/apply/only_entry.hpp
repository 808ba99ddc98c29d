#pragma once
// The journal of a test's root after one transaction: its only entry, if any.

#include <optional>
#include <vector>

#include <doctest/doctest.h>
#include "apply/journal.hpp"

namespace tcptune::test {

/// The one entry `journal` lists (none when it lists nothing); more than one fails the test.
inline std::optional<JournalEntry> only_entry(const Journal& journal) {
  Result<std::vector<Journal::Item>> items = journal.list();
  REQUIRE(items.ok());
  if (items.value().empty()) return std::nullopt;
  REQUIRE(items.value().size() == 1);
  REQUIRE(items.value()[0].entry);
  return items.value()[0].entry;
}

}  // namespace tcptune::test
