#include <boost/program_options.hpp>
#include <ostream>

#include "cli/commands.hpp"
#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"
#include "core/version.hpp"
#include "render/explain_render.hpp"
#include "render/findings_render.hpp"
#include "render/man_render.hpp"

namespace po = boost::program_options;

namespace tcptune {

namespace {

std::string wrap(const std::string& text, std::size_t width, const std::string& indent) {
  std::string out;
  for (std::string_view para : split(text, '\n')) {
    std::string line = indent;
    bool empty = true;
    for (std::string_view word : split_ws(para)) {
      if (!empty && line.size() + 1 + word.size() > width) {
        out += line + "\n";
        line = indent;
        empty = true;
      }
      if (!empty) line += " ";
      line += word;
      empty = false;
    }
    out += (empty ? std::string() : line) + "\n";
  }
  return out;
}

void parse_simple(const std::vector<std::string>& args, const char* usage, std::ostream& out,
                  std::vector<std::string>& words, bool& help) {
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("word", po::value(&words)->composing(), "");
  po::variables_map vm;
  parse_options(args, opts, vm, "word");
  help = vm.count("help") != 0;
  if (help) out << usage;
}

}  // namespace

int cmd_explain(Context& ctx, const std::vector<std::string>& args) {
  std::vector<std::string> words;
  bool help = false;
  parse_simple(args,
               "usage: tcptune explain CODE|KEY\n\nExplains a finding code (TT2003) or a sysctl "
               "key (net.ipv4.tcp_tw_reuse).\n\nFormats: text only.\n",
               ctx.out, words, help);
  if (help) return 0;
  if (words.size() != 1) throw UsageError("explain takes one finding code or sysctl key");
  (void)ctx.format({"text"});
  Knowledge kn = ctx.load_knowledge(Context::UserProfiles::no);
  const Catalog& keys = kn.keys;
  const CheckCatalog& checks = kn.checks;
  const std::string& w = words.front();
  if (const CheckInfo* c = checks.find(w)) {
    ctx.out << ctx.style.bold(c->code + " (" + c->name + ")") << ": "
            << ctx.style.severity(c->severity, std::string(to_string(c->severity))) << ": "
            << c->title << "\n\n";
    ctx.out << wrap(c->explain, 78, "  ") << "\n" << wrap("What to do: " + c->hint, 78, "  ");
    if (!c->references.empty()) ctx.out << "\n  References:\n";
    for (const auto& r : c->references) ctx.out << "    - " << r << "\n";
    return 0;
  }
  NormalizedKey nk = normalize_key(w);
  if (nk.problem == KeyProblem::none) {
    if (const KeyInfo* k = keys.find(nk.path); k != nullptr && k->generated) {
      // Only the generated catalog knows it: what the kernel sources and /proc/sys show.
      std::string_view doc = kernel_doc_for(k->path);
      std::string leaf = k->path.substr(k->path.rfind('/') + 1);
      ctx.out << ctx.style.bold(k->name) << ": "
              << (doc.empty() ? std::string("no description in tcptune's curated catalog")
                              : "see " + std::string(doc) + ", section \"" + leaf + "\"")
              << "\n\n";
      ctx.out << "  type: " << to_string(k->type == KeyType::vector ? k->element : k->type);
      if (k->type == KeyType::vector) ctx.out << ", up to " << k->count << " values";
      if (k->min || k->max) {
        ctx.out << ", range " << (k->min ? std::to_string(*k->min) : "") << ".."
                << (k->max ? std::to_string(*k->max) : "");
      }
      ctx.out << (k->enforced ? " (enforced by the kernel)" : "")
              << (k->read_only ? ", read-only" : "") << "\n";
      if (!k->unit.empty()) ctx.out << "  unit: " << k->unit << "\n";
      ctx.out << "  per network namespace: " << (k->netns ? to_string(*k->netns) : "") << "\n";
      std::vector<std::string> seen;
      for (const auto& v : k->seen) seen.push_back(v.str(VersionForm::short_form));
      ctx.out << "  seen in Linux " << join(seen, ", ")
              << " (generated catalog: kernel source and live /proc/sys)\n";
      return 0;
    }
    if (const KeyInfo* k = keys.find(nk.path)) {
      ctx.out << ctx.style.bold(k->name) << ": " << k->summary << "\n\n";
      ctx.out << "  type: " << to_string(k->type);
      if (k->min || k->max) {
        ctx.out << ", range " << (k->min ? std::to_string(*k->min) : "") << ".."
                << (k->max ? std::to_string(*k->max) : "");
      }
      if (!k->values.empty()) {
        std::vector<std::string> v;
        for (auto x : k->values) v.push_back(std::to_string(x));
        ctx.out << ", values " << join(v, ", ");
      }
      ctx.out << (k->enforced ? " (enforced by the kernel)" : "") << "\n";
      if (k->default_value) ctx.out << "  default: " << *k->default_value << "\n";
      for (const auto& h : k->default_history) {
        ctx.out << "  default before Linux " << h.before.str(VersionForm::short_form) << ": "
                << h.value << "\n";
      }
      if (!k->default_note.empty()) ctx.out << "  default: " << k->default_note << "\n";
      if (k->added)
        ctx.out << "  added in Linux " << k->added->str(VersionForm::short_form) << "\n";
      if (k->removed) {
        ctx.out << "  " << (k->moved.empty() ? "removed" : "moved to " + k->moved) << " in Linux "
                << k->removed->str(VersionForm::short_form) << "\n";
      }
      if (!k->vendor.empty()) ctx.out << "  only in " << k->vendor << " kernels\n";
      ctx.out << "  per network namespace: " << (k->netns ? to_string(*k->netns) : "")
              << (k->netns_since
                      ? " (since Linux " + k->netns_since->str(VersionForm::short_form) + ")"
                      : "")
              << "\n\n";
      ctx.out << wrap(k->explain, 78, "  ");
      if (!k->references.empty()) ctx.out << "\n  References:\n";
      for (const auto& r : k->references) ctx.out << "    - " << r << "\n";
      return 0;
    }
  }
  std::string sug = nk.problem == KeyProblem::none ? keys.suggest(nk.key) : "";
  if (sug.empty()) {
    std::vector<std::string> codes;
    for (const auto& [code, info] : checks.all()) codes.push_back(code);
    sug = did_you_mean(w, codes);
  }
  throw UsageError("no finding code or catalogued key '" + w + "'" +
                   (sug.empty() ? "" : "; did you mean " + sug + "?"));
}

int cmd_rules(Context& ctx, const std::vector<std::string>& args) {
  std::vector<std::string> words;
  bool help = false;
  parse_simple(args,
               "usage: tcptune rules [--format text|json|man|markdown]\n\nLists every finding code "
               "with its severity and title. --format man prints the\ntcptune-codes(7) manual "
               "page (every code with its explanation), generated from the\nsame data as "
               "explain; --format markdown the same page as Markdown (docs/codes.md).\n",
               ctx.out, words, help);
  if (help) return 0;
  if (!words.empty()) throw UsageError("rules takes no arguments (use tcptune explain CODE)");
  OutputFormat format = ctx.format({"text", "json", "man", "markdown"});
  Knowledge kn = ctx.load_knowledge(Context::UserProfiles::no);
  const CheckCatalog& checks = kn.checks;
  if (format == OutputFormat::man) {
    ctx.out << codes_man_page(checks, version());
    return 0;
  }
  if (format == OutputFormat::markdown) {
    ctx.out << codes_markdown_page(checks);
    return 0;
  }
  if (format == OutputFormat::json) {
    ctx.out << render_rules_json(checks);
    return 0;
  }
  for (const auto& [code, c] : checks.all()) {
    std::string sev(to_string(c.severity));
    ctx.out << c.code << "  " << ctx.style.severity(c.severity, sev)
            << std::string(8 - sev.size(), ' ') << c.title << "\n";
  }
  return 0;
}

int cmd_profiles(Context& ctx, const std::vector<std::string>& args) {
  std::vector<std::string> words;
  bool help = false;
  parse_simple(
      args,
      "usage: tcptune profiles [NAME] [--format text|json]\n\n"
      "Without NAME: lists the shipped profiles and the user's (/etc/tcptune/profiles/*.toml\n"
      "under --root). With NAME: the resolved settings of that profile, each with the\n"
      "profile and file:line it comes from.\n",
      ctx.out, words, help);
  if (help) return 0;
  if (words.size() > 1) throw UsageError("profiles takes at most one profile name");
  OutputFormat format = ctx.format({"text", "json"});
  Knowledge kn = ctx.load_knowledge();
  if (words.empty()) {
    if (format == OutputFormat::json) {
      ctx.out << render_profiles_json(kn.profiles);
      return 0;
    }
    for (const Profile& p : kn.profiles) {
      std::string head = p.name + (p.extends.empty() ? "" : " (extends " + p.extends + ")") +
                         (p.origin == "user" ? " [user]" : "");
      ctx.out << ctx.style.bold(head) << "\n" << wrap(p.summary, 78, "  ");
    }
    return 0;
  }
  auto r = resolve_profile(words.front(), kn.profiles);
  if (!r.ok()) throw UsageError(r.error());
  const ResolvedProfile& p = r.value();
  if (format == OutputFormat::json) {
    ctx.out << render_profile_json(p);
    return 0;
  }
  ctx.out << ctx.style.bold(p.name) << " (" << join(p.chain, " < ") << ")\n"
          << wrap(p.summary, 78, "  ") << "\n";
  for (const ProfileSetting& s : p.settings) {
    std::string line = s.key + " " + std::string(to_string(s.op)) +
                       (s.op == TargetOp::absent ? "" : " " + s.value);
    if (s.kernel) line += "  (kernel " + s.kernel->text + ")";
    ctx.out << "  " << ctx.style.bold(line) << "\n";
    ctx.out << wrap(s.rationale, 78, "      ");
    ctx.out << "      " << ctx.style.dim("from " + s.profile + ", " + s.source) << "\n";
    ctx.out << "      " << ctx.style.dim("see " + s.reference) << "\n";
  }
  return 0;
}

}  // namespace tcptune
