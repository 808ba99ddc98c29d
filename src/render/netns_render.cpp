#include "render/netns_render.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/text_util.hpp"
#include "render/findings_render.hpp"

namespace tcptune {

namespace {

using Json = nlohmann::ordered_json;

std::string num(const NetnsSection& s, const char* key) {
  auto it = s.summary.find(key);
  return it == s.summary.end() ? std::string("-") : it->second;
}

Json num_json(const NetnsSection& s, const char* key) {
  auto it = s.summary.find(key);
  if (it == s.summary.end()) return nullptr;
  try {
    return std::stoll(it->second);
  } catch (...) {
    return nullptr;
  }
}

std::string describe(const NetnsSection& s) {
  std::string out = s.name;
  std::vector<std::string> bits;
  if (!s.initial && s.path != s.name) bits.push_back(s.path);
  bits.push_back("id " + s.id);
  if (s.processes > 0)
    bits.push_back(std::to_string(s.processes) + " process" + (s.processes == 1 ? "" : "es"));
  if (!s.owner.empty() && s.name.find(s.owner.label()) == std::string::npos)
    bits.push_back(s.owner.label());
  out += " (";
  for (std::size_t i = 0; i < bits.size(); ++i) out += (i ? ", " : "") + bits[i];
  return out + ")";
}

// A table cell: s padded to w columns (right-aligned when asked), then the column separator.
enum class CellAlign { left, right };

std::string cell(std::string s, std::size_t w, CellAlign align = CellAlign::left) {
  if (s.size() >= w) return s + " ";
  return align == CellAlign::right ? std::string(w - s.size(), ' ') + s + " "
                                   : s + std::string(w - s.size(), ' ') + " ";
}

// One exposition from every namespace's: each family once (its HELP and TYPE from the first
// namespace that has it), each sample with a netns label first. A family's samples stay
// together, as the format requires.
std::string merged_prometheus(const AllNetnsReport& r) {
  struct Family {
    std::string head;  // "# HELP ...\n# TYPE ...\n"
    std::string samples;
  };
  std::vector<std::string> order;
  std::map<std::string, Family> families;
  for (const NetnsSection& s : r.sections) {
    if (!s.error.empty()) continue;
    const std::string label = "netns=\"" + prometheus_label(s.name) + "\"";
    std::string current;
    std::size_t at = 0;
    while (at < s.out.size()) {
      std::size_t nl = s.out.find('\n', at);
      if (nl == std::string::npos) nl = s.out.size();
      const std::string line = s.out.substr(at, nl - at);
      at = nl + 1;
      if (line.empty()) continue;
      if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
        std::size_t end = line.find(' ', 7);
        current = line.substr(7, end == std::string::npos ? std::string::npos : end - 7);
        if (families.count(current) == 0) order.push_back(current);
        Family& f = families[current];
        if (f.head.find(line.substr(0, 7)) == std::string::npos) f.head += line + "\n";
        continue;
      }
      if (line[0] == '#') continue;
      std::size_t brace = line.find('{');
      std::size_t space = line.find(' ');
      const std::string name = line.substr(0, std::min(brace, space));
      const std::string family = current.empty() || name.rfind(current, 0) != 0 ? name : current;
      if (families.count(family) == 0) order.push_back(family);
      std::string sample =
          brace != std::string::npos && brace < space
              ? name + "{" + label + (line[brace + 1] == '}' ? "" : ",") + line.substr(brace + 1)
              : name + "{" + label + "}" + line.substr(space);
      families[family].samples += sample + "\n";
    }
  }
  std::string out;
  for (const std::string& f : order) out += families[f].head + families[f].samples;
  std::string gaps;
  std::string ns;
  for (const NetnsSection& s : r.sections) {
    ns += "tcptune_netns_info{netns=\"" + prometheus_label(s.name) + "\",initial=\"" +
          (s.initial ? "true" : "false") + "\",status=\"" +
          (s.gone             ? "gone"
           : !s.error.empty() ? "failed"
                              : "checked") +
          "\"} 1\n";
    for (const NetnsGap& g : s.gaps) {
      gaps += "tcptune_netns_sysctl_gap{netns=\"" + prometheus_label(s.name) + "\",key=\"" +
              prometheus_label(g.key) + "\",value=\"" + prometheus_label(g.ns_value) +
              "\",host_value=\"" + prometheus_label(g.host_value) + "\"} 1\n";
    }
  }
  out +=
      "# HELP tcptune_netns_info The network namespaces --all-netns found, and whether each was "
      "read.\n# TYPE tcptune_netns_info gauge\n" +
      ns;
  if (!gaps.empty()) {
    out +=
        "# HELP tcptune_netns_sysctl_gap A per-namespace key the host's sysctl.d sets that has "
        "another value in the namespace.\n# TYPE tcptune_netns_sysctl_gap gauge\n" +
        gaps;
  }
  return out;
}

}  // namespace

std::string netns_fix(const NetnsSection& s, const NetnsGap& g) {
  const std::string kv = g.key + "=" + g.host_value;
  if (!s.owner.pod_uid.empty()) {
    return "in the pod spec: securityContext: {sysctls: [{name: " + g.key + ", value: \"" +
           g.host_value +
           "\"}]} (a key outside Kubernetes' safe set also needs the kubelet's "
           "--allowed-unsafe-sysctls)";
  }
  if (s.owner.runtime == "docker") return "docker run --sysctl " + kv + " ...";
  if (s.owner.runtime == "podman") return "podman run --sysctl " + kv + " ...";
  if (s.owner.runtime == "containerd") return "nerdctl run --sysctl " + kv + " ...";
  if (s.owner.runtime == "lxc") return "lxc.sysctl." + g.key + " = " + g.host_value;
  if (s.named) return "ip netns exec " + s.name + " sysctl -w " + kv;
  return "when the namespace is created: nsenter --net=" + s.path + " sysctl -w " + kv +
         "; for a container: docker/podman run --sysctl " + kv +
         "; Kubernetes: securityContext.sysctls";
}

std::string render_all_netns(const AllNetnsReport& r, OutputFormat format, const Style& st) {
  std::size_t gaps = 0;
  std::size_t failed = 0;
  std::size_t gone = 0;
  for (const NetnsSection& s : r.sections) {
    gaps += s.gaps.size();
    failed += !s.error.empty() && !s.gone;
    gone += s.gone;
  }
  if (format == OutputFormat::prometheus) return merged_prometheus(r);
  if (format == OutputFormat::json) {
    Json j;
    j["schema"] = "tcptune.netns/1";
    j["tool"] = {{"name", "tcptune"}, {"version", r.version}};
    j["command"] = r.command;
    Json arr = Json::array();
    for (const NetnsSection& s : r.sections) {
      Json n;
      n["name"] = s.name;
      n["path"] = s.path;
      n["id"] = s.id;
      n["initial"] = s.initial;
      n["processes"] = s.processes;
      n["pid"] = s.first_pid > 0 ? Json(s.first_pid) : Json(nullptr);
      n["comm"] = s.comm.empty() ? Json(nullptr) : Json(s.comm);
      n["unit"] = s.owner.unit.empty() ? Json(nullptr) : Json(s.owner.unit);
      n["container"] = s.owner.container.empty() ? Json(nullptr) : Json(s.owner.container);
      n["runtime"] = s.owner.runtime.empty() ? Json(nullptr) : Json(s.owner.runtime);
      n["pod"] = s.owner.pod_uid.empty() ? Json(nullptr) : Json(s.owner.pod_uid);
      n["status"] = s.gone ? "gone" : !s.error.empty() ? "failed" : "checked";
      n["error"] = s.error.empty() ? Json(nullptr) : Json(s.error);
      n["exit_code"] = s.error.empty() ? Json(s.exit_code) : Json(nullptr);
      Json sum = Json::object();
      for (const char* k : {"total", "ESTABLISHED", "TIME_WAIT", "CLOSE_WAIT", "LISTEN", "errors",
                            "warnings", "infos", "changes"}) {
        if (s.summary.count(k) != 0) sum[k] = num_json(s, k);
      }
      n["summary"] = sum;
      Json g = Json::array();
      for (const NetnsGap& x : s.gaps) {
        g.push_back({{"key", x.key},
                     {"value", x.ns_value},
                     {"host_value", x.host_value},
                     {"file", x.file},
                     {"line", x.line},
                     {"netns_init", x.netns_init.empty() ? Json(nullptr) : Json(x.netns_init)},
                     {"fix", netns_fix(s, x)}});
      }
      n["gaps"] = g;
      Json rep = nullptr;
      if (s.error.empty()) {
        rep = Json::parse(s.out, nullptr, false);
        if (rep.is_discarded()) rep = nullptr;
      }
      n["report"] = rep;
      arr.push_back(std::move(n));
    }
    j["namespaces"] = arr;
    j["summary"] = {{"namespaces", r.sections.size()},
                    {"checked", r.sections.size() - failed - gone},
                    {"failed", failed},
                    {"gone", gone},
                    {"gaps", gaps}};
    j["exit_code"] = r.exit_code;
    return j.dump(2) + "\n";
  }

  std::string out =
      st.bold("tcptune " + r.command + " --all-netns: " + std::to_string(r.sections.size()) +
              " network namespace" + (r.sections.size() == 1 ? "" : "s")) +
      "\n";
  for (std::size_t i = 0; i < r.sections.size(); ++i) {
    const NetnsSection& s = r.sections[i];
    out += cat("\n",
               st.bold(cat("=== network namespace ", std::to_string(i + 1), "/",
                           std::to_string(r.sections.size()), ": ", describe(s), " ===")),
               "\n");
    if (s.gone) {
      out += "  gone before it could be read\n";
    } else if (!s.error.empty()) {
      out += "  " + st.red("not read: " + s.error) + "\n";
    } else {
      out += s.out;
    }
    if (!s.err.empty()) out += s.err;
  }
  out += "\n" + st.bold("summary") + "\n";
  out += "  " + cell("namespace", 28) + cell("sockets", 8, CellAlign::right) +
         cell("ESTAB", 7, CellAlign::right) + cell("TIME_WAIT", 10, CellAlign::right) +
         cell("CLOSE_WAIT", 11, CellAlign::right) + cell("LISTEN", 7, CellAlign::right);
  if (r.command == "check")
    out += cell("err/warn/info", 14, CellAlign::right) + cell("changes", 8, CellAlign::right);
  out += "exit\n";
  for (const NetnsSection& s : r.sections) {
    std::string name = s.name.size() > 27 ? s.name.substr(0, 26) + "~" : s.name;
    out += "  " + cell(name, 28);
    if (!s.error.empty()) {
      out += (s.gone ? "gone" : "not read: " + s.error) + "\n";
      continue;
    }
    out += cell(num(s, "total"), 8, CellAlign::right) +
           cell(num(s, "ESTABLISHED"), 7, CellAlign::right) +
           cell(num(s, "TIME_WAIT"), 10, CellAlign::right) +
           cell(num(s, "CLOSE_WAIT"), 11, CellAlign::right) +
           cell(num(s, "LISTEN"), 7, CellAlign::right);
    if (r.command == "check")
      out += cell(num(s, "errors") + "/" + num(s, "warnings") + "/" + num(s, "infos"), 14,
                  CellAlign::right) +
             cell(num(s, "changes"), 8, CellAlign::right);
    out += std::to_string(s.exit_code) + "\n";
  }
  if (gaps > 0) {
    out += "\n" +
           st.severity(Severity::warning, "host tuning that does not reach these namespaces (" +
                                              std::to_string(gaps) + ")") +
           "\n";
    for (const NetnsSection& s : r.sections) {
      for (const NetnsGap& g : s.gaps) {
        out += "  " + s.name + ": " + g.key + " = " + g.ns_value +
               " here; the host's sysctl.d sets " + g.host_value + " (" + g.file + ":" +
               std::to_string(g.line) + "), which " +
               (g.netns_init == "copy"
                    ? "a new network namespace copies only from the host's value at its creation"
                    : "a new network namespace does not inherit: it starts from the kernel "
                      "default") +
               "\n       fix: " + netns_fix(s, g) + "\n";
      }
    }
  }
  return out;
}

}  // namespace tcptune
