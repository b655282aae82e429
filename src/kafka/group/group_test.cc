#include "kafka/group/assignor.hpp"
#include "kafka/group/connect_protocol.hpp"
#include "kafka/group/connection.hpp"

#include <gtest/gtest.h>

using namespace ferry::kafka::group;
using clock_type = std::chrono::steady_clock;

namespace {
work_set ws(std::set<std::string> c, std::set<connect_task> t) { return {std::move(c), std::move(t)}; }

std::set<connect_task> tasks_of(const std::string& c, int n) {
    std::set<connect_task> out;
    for (int i = 0; i < n; i++) out.insert({c, i});
    return out;
}

member_info member(std::string id, std::optional<work_set> alloc, int64_t offset = 10) {
    connect_metadata md;
    md.version = 1;
    md.url = "http://" + id + ":8083/";
    md.config_offset = offset;
    md.allocation = std::move(alloc);
    return {std::move(id), md};
}

// What each member runs after applying its assignment delta.
std::map<std::string, work_set> apply_delta(std::map<std::string, work_set> running,
                                      const std::map<std::string, connect_assignment>& out) {
    for (auto& [id, a] : out) {
        auto& w = running[id];
        for (auto& c : a.revoked.connectors) w.connectors.erase(c);
        for (auto& t : a.revoked.tasks) w.tasks.erase(t);
        w.connectors.insert(a.assigned.connectors.begin(), a.assigned.connectors.end());
        w.tasks.insert(a.assigned.tasks.begin(), a.assigned.tasks.end());
    }
    return running;
}

assignor_input input(std::vector<member_info> members, std::set<std::string> connectors, std::set<connect_task> tasks,
                     clock_type::time_point now = clock_type::now()) {
    assignor_input in;
    in.members = std::move(members);
    in.connectors = std::move(connectors);
    in.tasks = std::move(tasks);
    in.leader_id = in.members.front().id;
    in.leader_url = in.members.front().metadata.url;
    in.leader_config_offset = 10;
    in.version = 1;
    in.now = now;
    return in;
}
} // namespace

TEST(connect_protocol, assignment_v0_bytes_follow_the_spec_layout) {
    connect_assignment a;
    a.version = 0;
    a.leader = "L";
    a.leader_url = "u";
    a.config_offset = 7;
    a.assigned = ws({"c"}, {{"c", 0}});
    auto b = encode_assignment(a);
    // version, error, leader, leader_url, offset, [ {connector "c", tasks [-1, 0]} ]
    std::string expected("\x00\x00" "\x00\x00" "\x00\x01L" "\x00\x01u" "\x00\x00\x00\x00\x00\x00\x00\x07"
                         "\x00\x00\x00\x01" "\x00\x01" "c" "\x00\x00\x00\x02" "\xff\xff\xff\xff" "\x00\x00\x00\x00",
                         2 + 2 + 3 + 3 + 8 + 4 + 3 + 4 + 4 + 4);
    EXPECT_EQ(b, expected);
    auto back = decode_assignment(b);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->assigned, a.assigned);
    EXPECT_EQ(back->config_offset, 7);
}

TEST(connect_protocol, v1_metadata_and_assignment_round_trip) {
    connect_metadata m;
    m.version = 2;
    m.url = "http://w1:8083/";
    m.config_offset = 42;
    m.allocation = ws({"a", "b"}, {{"a", 0}, {"b", 3}});
    auto md = decode_metadata(encode_metadata(m));
    ASSERT_TRUE(md);
    EXPECT_EQ(md->url, m.url);
    EXPECT_EQ(md->config_offset, 42);
    EXPECT_EQ(md->allocation, m.allocation);
    m.allocation.reset();
    md = decode_metadata(encode_metadata(m));
    ASSERT_TRUE(md);
    EXPECT_FALSE(md->allocation);

    connect_assignment a;
    a.version = 1;
    a.leader = "m-1";
    a.leader_url = "http://w1:8083/";
    a.config_offset = 5;
    a.assigned = ws({"x"}, {});
    a.revoked = ws({}, {{"y", 1}});
    a.delay = 1234;
    auto back = decode_assignment(encode_assignment(a));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->assigned, a.assigned);
    EXPECT_EQ(back->revoked, a.revoked);
    EXPECT_EQ(back->delay, 1234);
    EXPECT_FALSE(decode_assignment("\x00").has_value());
}

TEST(assignor, eager_round_robin_over_sorted_members) {
    connect_assignor as(0);
    auto in = input({member("b", std::nullopt), member("a", std::nullopt)}, {"c1", "c2", "c3"}, tasks_of("c1", 3));
    in.version = 0;
    auto out = as.assign(in);
    EXPECT_EQ(out["a"].assigned, ws({"c1", "c3"}, {{"c1", 1}}));
    EXPECT_EQ(out["b"].assigned, ws({"c2"}, {{"c1", 0}, {"c1", 2}}));
}

TEST(assignor, cooperative_first_round_balances_and_keeps_work_afterwards) {
    connect_assignor as(0);
    std::set<connect_task> tasks = tasks_of("c1", 2);
    auto more = tasks_of("c2", 2);
    tasks.insert(more.begin(), more.end());
    auto out = as.assign(input({member("a", ws({}, {})), member("b", ws({}, {}))}, {"c1", "c2"}, tasks));
    auto running = apply_delta({}, out);
    EXPECT_EQ(running["a"].connectors.size(), 1u);
    EXPECT_EQ(running["b"].connectors.size(), 1u);
    EXPECT_EQ(running["a"].tasks.size(), 2u);
    EXPECT_EQ(running["b"].tasks.size(), 2u);
    // Next round with the same members: nothing moves.
    auto again = as.assign(input({member("a", running["a"]), member("b", running["b"])}, {"c1", "c2"}, tasks));
    for (auto& [id, a] : again) {
        EXPECT_TRUE(a.assigned.empty()) << id;
        EXPECT_TRUE(a.revoked.empty()) << id;
    }
}

TEST(assignor, departed_worker_work_is_held_for_the_delay_then_reassigned) {
    connect_assignor as(10000);
    auto t0 = clock_type::now();
    auto tasks = tasks_of("c", 4);
    auto out = as.assign(input({member("a", ws({}, {})), member("b", ws({}, {}))}, {"c"}, tasks, t0));
    auto running = apply_delta({}, out);
    // b leaves: its work is lost but held; a is told to rejoin after the delay.
    auto held = as.assign(input({member("a", running["a"])}, {"c"}, tasks, t0 + std::chrono::seconds(1)));
    EXPECT_TRUE(held["a"].assigned.empty());
    EXPECT_EQ(held["a"].delay, 10000); // the whole delay when the loss is first seen (spec 10)
    auto still = as.assign(input({member("a", running["a"])}, {"c"}, tasks, t0 + std::chrono::seconds(5)));
    EXPECT_TRUE(still["a"].assigned.empty());
    EXPECT_EQ(still["a"].delay, 6000); // then the time remaining
    // The delay expires: a gets everything.
    auto later = as.assign(input({member("a", running["a"])}, {"c"}, tasks, t0 + std::chrono::seconds(11)));
    auto after = apply_delta({{"a", running["a"]}}, later);
    EXPECT_EQ(after["a"].tasks, tasks);
    EXPECT_EQ(after["a"].connectors, std::set<std::string>{"c"});
    EXPECT_EQ(later["a"].delay, 0);
}

TEST(assignor, returning_worker_gets_its_work_back_within_the_delay) {
    connect_assignor as(60000);
    auto t0 = clock_type::now();
    auto tasks = tasks_of("c", 4);
    auto running = apply_delta({}, as.assign(input({member("a", ws({}, {})), member("b", ws({}, {}))}, {"c"}, tasks, t0)));
    auto b_work = running["b"];
    as.assign(input({member("a", running["a"])}, {"c"}, tasks, t0 + std::chrono::seconds(1)));
    // b restarts with a new member id and nothing running: it receives what b ran before.
    auto back = as.assign(input({member("a", running["a"]), member("b2", ws({}, {}))}, {"c"}, tasks,
                                t0 + std::chrono::seconds(5)));
    EXPECT_EQ(back["b2"].assigned, b_work);
    EXPECT_TRUE(back["a"].assigned.empty());
    EXPECT_TRUE(back["a"].revoked.empty());
}

TEST(assignor, new_worker_takes_load_through_revocation_then_assignment) {
    connect_assignor as(0);
    auto tasks = tasks_of("c", 6);
    auto running = apply_delta({}, as.assign(input({member("a", ws({}, {}))}, {"c"}, tasks)));
    EXPECT_EQ(running["a"].tasks.size(), 6u);
    // b joins: a is asked to release half; nothing is assigned to b in the same round.
    auto r1 = as.assign(input({member("a", running["a"]), member("b", ws({}, {}))}, {"c"}, tasks));
    EXPECT_EQ(r1["a"].revoked.tasks.size(), 3u);
    EXPECT_TRUE(r1["b"].assigned.tasks.empty());
    running = apply_delta(running, r1);
    // Follow-up round: the released tasks go to b.
    auto r2 = as.assign(input({member("a", running["a"]), member("b", running["b"])}, {"c"}, tasks));
    running = apply_delta(running, r2);
    EXPECT_EQ(running["a"].tasks.size(), 3u);
    EXPECT_EQ(running["b"].tasks.size(), 3u);
}

TEST(assignor, deleted_connector_is_revoked) {
    connect_assignor as(0);
    auto out = as.assign(input({member("a", ws({"gone", "kept"}, {{"gone", 0}}))}, {"kept"}, {}));
    EXPECT_EQ(out["a"].revoked, ws({"gone"}, {{"gone", 0}}));
}

TEST(assignor, leader_behind_the_config_topic_answers_config_mismatch) {
    connect_assignor as(0);
    auto in = input({member("a", ws({}, {}), 10), member("b", ws({}, {}), 12)}, {}, {});
    auto out = as.assign(in);
    EXPECT_EQ(out["a"].error, assignment_config_mismatch);
    EXPECT_EQ(out["b"].error, assignment_config_mismatch);
}

// RFC 7677's SCRAM-SHA-256 example (user "user", password "pencil").
TEST(scram, rfc7677_example) {
    scram_client c{"SCRAM-SHA-256", "user", "pencil", "rOprNGfwEbeRWgbNEkqO"};
    EXPECT_EQ(c.first_message(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    auto final = c.final_message("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    ASSERT_TRUE(final);
    EXPECT_EQ(*final, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    EXPECT_TRUE(c.verify_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
    EXPECT_FALSE(c.verify_server_final("v=AAAA"));
}

TEST(security_config, reads_java_client_settings) {
    auto s = security_config::from({{"security.protocol", "sasl_ssl"},
                                     {"sasl.mechanism", "SCRAM-SHA-512"},
                                     {"sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule "
                                                          "required username=\"alice\" password=\"s3cret\";"},
                                     {"ssl.truststore.location", "/etc/ca.pem"}});
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->tls());
    EXPECT_TRUE(s->sasl());
    EXPECT_EQ(s->sasl_username, "alice");
    EXPECT_EQ(s->sasl_password, "s3cret");
    EXPECT_EQ(s->ca_location, "/etc/ca.pem");
    EXPECT_FALSE(security_config::from({{"security.protocol", "SASL_SSL"}, {"sasl.mechanism", "GSSAPI"}}));
}
