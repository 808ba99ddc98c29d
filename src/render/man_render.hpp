#pragma once
/// tcptune-codes(7): the finding codes page, generated from the same catalog that
/// `tcptune explain` and `tcptune rules` print, so that the manual cannot drift from the data.

#include <string>
#include <string_view>

#include "core/catalog.hpp"

namespace tcptune {

/// The date in the .TH line of generated pages (the release date, set in CMakeLists.txt).
std::string_view man_date();

/// Escapes text for a roff text line: backslashes, a leading '.' or '\'', and every non-ASCII
/// UTF-8 character as \[uXXXX] (so that groff without preconv and mandoc agree).
std::string roff_escape(std::string_view text);

/// The whole tcptune-codes(7) page for `checks`.
std::string codes_man_page(const CheckCatalog& checks, std::string_view version);

/// The same page as Markdown (docs/codes.md), one `<a id="TTnnnn">` anchor per code: the
/// target of the SARIF rules' helpUri.
std::string codes_markdown_page(const CheckCatalog& checks);

}  // namespace tcptune
