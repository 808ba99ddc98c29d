// The apply plan as a pure function: required keys, stricter fragment values, --netns, modes,
// shadowing and name clashes, over an in-memory /proc/sys and sysctl.d set.

#include "apply/plan.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace tcptune;
using tcptune::test::FakeKeySource;

namespace {

ProfileSetting setting(const std::string& key, TargetOp op, const std::string& value,
                       bool required = false) {
  ProfileSetting s;
  s.key = key;
  s.path = key;
  std::replace(s.path.begin(), s.path.end(), '.', '/');
  s.op = op;
  s.value = value;
  s.required = required;
  s.profile = "p";
  s.source = "p.toml:3";
  s.rationale = "because";
  return s;
}

ResolvedProfile profile_of(std::vector<ProfileSetting> settings) {
  ResolvedProfile p;
  p.name = "p";
  p.chain = {"p"};
  p.settings = std::move(settings);
  return p;
}

PlanInput input(const ResolvedProfile& p, const KeySource& live) {
  PlanInput in;
  in.profile = &p;
  in.keys = &test::shipped_keys();
  in.live = &live;
  in.kernel = KernelVersion{6, 1, 0};
  in.fragment_path = k_default_fragment;
  in.fragment_shown = k_default_fragment;
  in.header = FragmentHeader{"0.1.0", "p", "T-01", "2026-01-01T00:00:00Z"};
  return in;
}

}  // namespace

TEST_CASE("plan: a required key the kernel lacks is refused, whatever the note says") {
  FakeKeySource live{{"net/ipv4/tcp_fin_timeout", "60"}};
  ResolvedProfile p = profile_of({setting("net.ipv4.tcp_fin_timeout", TargetOp::eq, "30"),
                                  setting("net.ipv4.tcp_gone", TargetOp::eq, "1", true)});
  ApplyPlan plan = plan_apply(input(p, live));
  REQUIRE(plan.refusals.size() == 1);
  CHECK(plan.refusals[0].find("requires net.ipv4.tcp_gone (p.toml:3)") != std::string::npos);
  // The refusal rests on the reason, not on the wording of the note.
  bool noted = false;
  for (const PlanNote& n : plan.notes)
    noted = noted || (n.key == "net.ipv4.tcp_gone" && n.reason == NoteReason::key_absent);
  CHECK(noted);
  // Not required: only a note.
  ResolvedProfile q = profile_of({setting("net.ipv4.tcp_gone", TargetOp::eq, "1", false)});
  CHECK(plan_apply(input(q, live)).refusals.empty());
}

TEST_CASE("plan: a required key skipped by its kernel constraint is not a refusal") {
  FakeKeySource live{};
  ProfileSetting s = setting("net.ipv4.tcp_gone", TargetOp::eq, "1", true);
  s.kernel = KernelConstraint{CompareOp::ge, KernelVersion{7, 0, 0}, ">= 7.0"};
  ResolvedProfile p = profile_of({s});
  ApplyPlan plan = plan_apply(input(p, live));
  CHECK(plan.refusals.empty());
  REQUIRE(plan.notes.size() == 1);
  CHECK(plan.notes[0].reason == NoteReason::kernel_mismatch);
}

TEST_CASE("plan: live writes carry their before-values; the fragment holds the targets") {
  FakeKeySource live{{"net/ipv4/tcp_fin_timeout", "60"}, {"net/core/somaxconn", "4096"}};
  ResolvedProfile p = profile_of({setting("net.ipv4.tcp_fin_timeout", TargetOp::eq, "30"),
                                  setting("net.core.somaxconn", TargetOp::ge, "1024")});
  ApplyPlan plan = plan_apply(input(p, live));
  CHECK(plan.refusals.empty());
  REQUIRE(plan.writes.size() == 1);
  CHECK(plan.writes[0].key == "net.ipv4.tcp_fin_timeout");
  CHECK(plan.writes[0].before == std::optional<std::string>("60"));
  CHECK(plan.writes[0].target == "30");
  CHECK(plan.fragment_write);
  CHECK(plan.pending);
  CHECK(plan.fragment_text.find("net.ipv4.tcp_fin_timeout = 30") != std::string::npos);

  PlanInput lo = input(p, live);
  lo.mode = ApplyMode::live_only;
  ApplyPlan l = plan_apply(lo);
  CHECK_FALSE(l.fragment_write);
  CHECK(l.writes.size() == 1);
  PlanInput po = input(p, live);
  po.mode = ApplyMode::persist_only;
  ApplyPlan pp = plan_apply(po);
  CHECK(pp.writes.empty());
  CHECK(pp.fragment_write);
}

TEST_CASE("plan: a stricter value already in the fragment stays") {
  FakeKeySource live{{"net/core/somaxconn", "8192"}};
  ResolvedProfile p = profile_of({setting("net.core.somaxconn", TargetOp::ge, "16384"),
                                  setting("net.ipv4.tcp_fin_timeout", TargetOp::eq, "30")});
  // The live value misses the target: the fragment line keeps its stricter 32768, not 16384.
  FakeKeySource live2{{"net/core/somaxconn", "128"}, {"net/ipv4/tcp_fin_timeout", "60"}};
  PlanInput in = input(p, live2);
  in.fragment_bytes = std::string(k_fragment_marker) + "\nnet.core.somaxconn = 32768\n";
  ApplyPlan plan = plan_apply(in);
  bool kept = false;
  for (const FragmentLine& l : plan.lines)
    kept = kept || (l.key == "net.core.somaxconn" && l.value == "32768");
  CHECK(kept);
}

TEST_CASE("plan: --netns writes only per-namespace keys and gives the pod snippet") {
  FakeKeySource live{{"net/ipv4/tcp_fin_timeout", "60"},
                     {"net/core/somaxconn", "128"},
                     {"net/core/rmem_max", "212992"}};
  ResolvedProfile p = profile_of({setting("net.ipv4.tcp_fin_timeout", TargetOp::eq, "30"),
                                  setting("net.core.rmem_max", TargetOp::ge, "16777216")});
  PlanInput in = input(p, live);
  in.mode = ApplyMode::live_only;
  in.netns = "pod";
  ApplyPlan plan = plan_apply(in);
  REQUIRE(plan.writes.size() == 1);
  CHECK(plan.writes[0].key == "net.ipv4.tcp_fin_timeout");
  REQUIRE(plan.kubernetes.size() == 1);
  CHECK(plan.kubernetes[0].safe);
  CHECK(plan.kubernetes[0].note == "since Kubernetes 1.29 (node kernel 4.6+)");
  bool skipped = false;
  for (const PlanNote& n : plan.notes)
    skipped = skipped || (n.key == "net.core.rmem_max" && n.reason == NoteReason::not_per_netns);
  CHECK(skipped);
  CHECK(pod_sysctl("net.core.rmem_max", "1").note ==
        "needs kubelet --allowed-unsafe-sysctls=net.core.rmem_max");
}

TEST_CASE("plan: a fragment problem, a name clash and a shadowing file are refusals") {
  FakeKeySource live{{"net/ipv4/tcp_fin_timeout", "60"}};
  ResolvedProfile p = profile_of({setting("net.ipv4.tcp_fin_timeout", TargetOp::eq, "30")});
  PlanInput in = input(p, live);
  in.fragment_problem = "not ours";
  CHECK(plan_apply(in).refusals == std::vector<std::string>{"not ours"});
  PlanInput c = input(p, live);
  c.fragment_name_clashes = {"/run/sysctl.d/99-tcptune.conf"};
  REQUIRE(plan_apply(c).refusals.size() == 1);
  CHECK(plan_apply(c).refusals[0].find("has the name of /run/sysctl.d/99-tcptune.conf") !=
        std::string::npos);
  // A live-only apply has no fragment to worry about.
  c.mode = ApplyMode::live_only;
  CHECK(plan_apply(c).refusals.empty());

  ConfigSet set =
      test::make_set({{"/etc/sysctl.d", "99-zz.conf", "net.ipv4.tcp_fin_timeout = 60\n"}});
  PlanInput s = input(p, live);
  s.boot_sets = {&set};
  ApplyPlan sh = plan_apply(s);
  REQUIRE(sh.shadows.size() == 1);
  CHECK(sh.refusals.size() == 1);
  s.allow_shadowed = AllowShadowed::yes;
  CHECK(plan_apply(s).refusals.empty());
}
