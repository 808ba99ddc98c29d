#include "render/report_formats.hpp"

#include <doctest/doctest.h>

using namespace tcptune;

namespace {

Finding finding(std::string file, int line, int column, std::string message) {
  Finding f;
  f.code = "TT1003";
  f.severity = Severity::error;
  f.file = std::move(file);
  f.line = line;
  f.column = column;
  f.message = std::move(message);
  return f;
}

}  // namespace

// The document libxml2's writer made (indent 1, self-closed errors, its attribute escapes): the
// hand-written writer that replaced it keeps the same bytes.
TEST_CASE("checkstyle: the document, byte for byte") {
  std::vector<Finding> fs = {finding("./etc/sysctl.d/a.conf", 3, 7, "plain"),
                             finding("etc/b.conf", 0, 0, "no line"),
                             finding("etc/sysctl.d/a.conf", 4, 0, "second in a")};
  fs[1].severity = Severity::warning;
  CHECK(render_checkstyle(fs, "1.2.3") ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<checkstyle version=\"tcptune 1.2.3\">\n"
        " <file name=\"etc/sysctl.d/a.conf\">\n"
        "  <error line=\"3\" column=\"7\" severity=\"error\" message=\"plain [TT1003]\" "
        "source=\"tcptune.TT1003\"/>\n"
        "  <error line=\"4\" severity=\"error\" message=\"second in a [TT1003]\" "
        "source=\"tcptune.TT1003\"/>\n"
        " </file>\n"
        " <file name=\"etc/b.conf\">\n"
        "  <error line=\"1\" severity=\"warning\" message=\"no line [TT1003]\" "
        "source=\"tcptune.TT1003\"/>\n"
        " </file>\n"
        "</checkstyle>\n");
}

TEST_CASE("checkstyle: attribute text is escaped; bytes XML cannot hold become U+FFFD") {
  std::string doc = render_checkstyle(
      {finding("d/<&>\"'\xc3\xa9.conf", 1, 1, "a\tb\nc <x> & \"q\" \x01 \xff \x7f end")}, "0");
  CHECK(doc.find(" <file name=\"d/&lt;&amp;&gt;&quot;'\xc3\xa9.conf\">\n") != std::string::npos);
  CHECK(doc.find("message=\"a&#9;b&#10;c &lt;x&gt; &amp; &quot;q&quot; \xEF\xBF\xBD \xEF\xBF\xBD "
                 "\xEF\xBF\xBD end [TT1003]\"") != std::string::npos);
  // Nothing raw is left inside an attribute: no control byte, no unescaped markup.
  for (char c : doc) {
    auto u = static_cast<unsigned char>(c);
    CHECK((u >= 0x20 || c == '\n'));
  }
  CHECK(doc.find("<x>") == std::string::npos);
}

TEST_CASE("checkstyle: no findings is an empty report") {
  CHECK(render_checkstyle({}, "0") ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"tcptune 0\"/>\n");
}
