// The pgoutput decoder against messages captured from PostgreSQL 15 (pg_logical_slot_peek_binary_changes
// with proto_version 1, messages on) for:
//   CREATE TABLE customers(id serial PRIMARY KEY, name varchar(255) NOT NULL, note text);
//   INSERT ... ('john', NULL), ('jane', 'x'); UPDATE name; UPDATE id 2 -> 10; DELETE; TRUNCATE;
//   pg_logical_emit_message(false, 'pfx', 'hello'), (true, 'tx', 'world'); an UPDATE that leaves a
//   TOASTed column unchanged.

#include "pgoutput.hpp"

#include <gtest/gtest.h>

#include <iterator>
#include <random>
#include <string>

using namespace ferry::plugins::postgres_cdc;
using namespace ferry::plugins::postgres_cdc::pgoutput;

namespace {

std::string unhex(std::string_view h) {
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2) out += char(std::stoi(std::string(h.substr(i, 2)), nullptr, 16));
    return out;
}

const char* kBegin = "42000000000152f4c8000303f53711c4d0000002d8";
const char* kRelation = "52000040017075626c696300637573746f6d657273006400030169640000000017ffffffff006e616d650000000413"
                        "00000103006e6f74650000000019ffffffff";
const char* kInsertJohn = "49000040014e000374000000013174000000046a6f686e6e";
const char* kInsertJane = "49000040014e000374000000013274000000046a616e65740000000178";
const char* kCommit = "4300000000000152f4c8000000000152f4f8000303f53711c4d0";
const char* kUpdate = "55000040014e000374000000013174000000046a61636b6e";
const char* kUpdateKey = "55000040014b00037400000001326e6e4e00037400000002313074000000046a616e65740000000178";
const char* kDelete = "44000040014b0003740000000231306e6e";
const char* kRelationFull = "52000040097075626c69630066756c6c5f74006600020169640000000017ffffffff01760000000019ffffffff";
const char* kTruncate = "54000000010000004001";
const char* kMessage = "4d0000000000015314f8706678000000000568656c6c6f";
const char* kMessageTx = "4d01000000000153153874780000000005776f726c64";
const char* kUpdateToast = "55000040014e0003740000000135740000000662696767657275";

} // namespace

TEST(pgoutput, begin_and_commit) {
    decoder d;
    message m;
    auto b = unhex(kBegin);
    ASSERT_EQ(d.decode(b, m), nullptr);
    EXPECT_EQ(m.type, msg::begin);
    EXPECT_EQ(m.final_lsn, 0x152F4C8u);
    EXPECT_EQ(m.xid, 728u);
    EXPECT_GT(m.commit_time, 0);
    auto c = unhex(kCommit);
    ASSERT_EQ(d.decode(c, m), nullptr);
    EXPECT_EQ(m.type, msg::commit);
    EXPECT_EQ(m.flags, 0);
    EXPECT_EQ(m.commit_lsn, 0x152F4C8u);
    EXPECT_EQ(m.end_lsn, 0x152F4F8u);
}

TEST(pgoutput, relation) {
    decoder d;
    message m;
    auto r = unhex(kRelation);
    ASSERT_EQ(d.decode(r, m), nullptr);
    EXPECT_EQ(m.type, msg::relation);
    EXPECT_EQ(m.relation_oid, 16385u);
    EXPECT_EQ(m.nspname, "public");
    EXPECT_EQ(m.relname, "customers");
    EXPECT_EQ(m.replica_identity, 'd');
    ASSERT_EQ(m.columns.size(), 3u);
    EXPECT_EQ(m.columns[0].name, "id");
    EXPECT_TRUE(m.columns[0].key());
    EXPECT_EQ(m.columns[0].type_oid, 23u);
    EXPECT_EQ(m.columns[0].typmod, -1);
    EXPECT_EQ(m.columns[1].name, "name");
    EXPECT_FALSE(m.columns[1].key());
    EXPECT_EQ(m.columns[1].type_oid, 1043u);
    EXPECT_EQ(m.columns[1].typmod, 259); // varchar(255)
    EXPECT_EQ(m.columns[2].type_oid, 25u);

    auto f = unhex(kRelationFull);
    ASSERT_EQ(d.decode(f, m), nullptr);
    EXPECT_EQ(m.relname, "full_t");
    EXPECT_EQ(m.replica_identity, 'f');
    ASSERT_EQ(m.columns.size(), 2u);
    EXPECT_TRUE(m.columns[1].key()); // FULL: every column is part of the identity
}

TEST(pgoutput, insert_tuples) {
    decoder d;
    message m;
    auto i1 = unhex(kInsertJohn);
    ASSERT_EQ(d.decode(i1, m), nullptr);
    EXPECT_EQ(m.type, msg::insert);
    EXPECT_EQ(m.relation_oid, 16385u);
    EXPECT_EQ(m.old_kind, 0);
    ASSERT_EQ(m.new_tuple.size(), 3u);
    EXPECT_EQ(m.new_tuple[0].kind, 't');
    EXPECT_EQ(m.new_tuple[0].data, "1");
    EXPECT_EQ(m.new_tuple[1].data, "john");
    EXPECT_EQ(m.new_tuple[2].kind, 'n');
    // views point into the input buffer: no copy
    EXPECT_GE(m.new_tuple[1].data.data(), i1.data());
    EXPECT_LT(m.new_tuple[1].data.data(), i1.data() + i1.size());

    auto i2 = unhex(kInsertJane);
    ASSERT_EQ(d.decode(i2, m), nullptr);
    EXPECT_EQ(m.new_tuple[2].kind, 't');
    EXPECT_EQ(m.new_tuple[2].data, "x");
}

TEST(pgoutput, update_delete_truncate) {
    decoder d;
    message m;
    auto u = unhex(kUpdate);
    ASSERT_EQ(d.decode(u, m), nullptr);
    EXPECT_EQ(m.type, msg::update);
    EXPECT_EQ(m.old_kind, 0);
    EXPECT_EQ(m.new_tuple[1].data, "jack");

    auto uk = unhex(kUpdateKey);
    ASSERT_EQ(d.decode(uk, m), nullptr);
    EXPECT_EQ(m.old_kind, 'K');
    ASSERT_EQ(m.old_tuple.size(), 3u);
    EXPECT_EQ(m.old_tuple[0].data, "2");
    EXPECT_EQ(m.old_tuple[1].kind, 'n');
    EXPECT_EQ(m.new_tuple[0].data, "10");
    EXPECT_EQ(m.new_tuple[1].data, "jane");

    auto del = unhex(kDelete);
    ASSERT_EQ(d.decode(del, m), nullptr);
    EXPECT_EQ(m.type, msg::delete_);
    EXPECT_EQ(m.old_kind, 'K');
    EXPECT_EQ(m.old_tuple[0].data, "10");
    EXPECT_TRUE(m.new_tuple.empty());

    auto t = unhex(kTruncate);
    ASSERT_EQ(d.decode(t, m), nullptr);
    EXPECT_EQ(m.type, msg::truncate);
    EXPECT_EQ(m.truncate_options, 0);
    ASSERT_EQ(m.relations.size(), 1u);
    EXPECT_EQ(m.relations[0], 16385u);
}

TEST(pgoutput, unchanged_toast) {
    decoder d;
    message m;
    auto u = unhex(kUpdateToast);
    ASSERT_EQ(d.decode(u, m), nullptr);
    ASSERT_EQ(m.new_tuple.size(), 3u);
    EXPECT_EQ(m.new_tuple[1].data, "bigger");
    EXPECT_EQ(m.new_tuple[2].kind, 'u');
}

TEST(pgoutput, logical_messages) {
    decoder d;
    message m;
    auto a = unhex(kMessage);
    ASSERT_EQ(d.decode(a, m), nullptr);
    EXPECT_EQ(m.type, msg::message);
    EXPECT_FALSE(m.transactional);
    EXPECT_EQ(m.message_lsn, 0x15314F8u);
    EXPECT_EQ(m.prefix, "pfx");
    EXPECT_EQ(m.content, "hello");
    auto b = unhex(kMessageTx);
    ASSERT_EQ(d.decode(b, m), nullptr);
    EXPECT_TRUE(m.transactional);
    EXPECT_EQ(m.prefix, "tx");
    EXPECT_EQ(m.content, "world");
}

TEST(pgoutput, every_truncation_is_an_error) {
    const char* all[] = {kBegin, kRelation, kInsertJohn, kInsertJane, kCommit, kUpdate, kUpdateKey,
                         kDelete, kRelationFull, kTruncate, kMessage, kMessageTx, kUpdateToast};
    decoder d;
    message m;
    for (auto h : all) {
        auto full = unhex(h);
        ASSERT_EQ(d.decode(full, m), nullptr) << h;
        for (size_t n = 0; n < full.size(); n++) {
            // A copy of exactly n bytes, so a read past the end would be caught by sanitizers.
            std::string cut = full.substr(0, n);
            EXPECT_NE(d.decode(cut, m), nullptr) << h << " cut at " << n;
        }
    }
}

TEST(pgoutput, rejects_garbage) {
    decoder d;
    message m;
    EXPECT_NE(d.decode("", m), nullptr);
    EXPECT_NE(d.decode("Z", m), nullptr);
    // Insert claiming 65535 columns in a 10-byte buffer
    auto bad = unhex("4900004001" "4e" "ffff" "74");
    EXPECT_NE(d.decode(bad, m), nullptr);
    // unknown tuple column kind
    auto badkind = unhex("49000040014e0001" "7a");
    EXPECT_NE(d.decode(badkind, m), nullptr);
}

TEST(pgoutput, replication_wrapper) {
    std::string w = "w";
    auto put64 = [](std::string& s, uint64_t v) {
        for (int i = 7; i >= 0; i--) s += char((v >> (i * 8)) & 0xff);
    };
    put64(w, 0x16B3748);
    put64(w, 0x16B3800);
    put64(w, 123456);
    w += unhex(kBegin);
    xlog_data x;
    ASSERT_TRUE(parse_xlog_data(w, x));
    EXPECT_EQ(x.wal_start, 0x16B3748u);
    EXPECT_EQ(x.wal_end, 0x16B3800u);
    EXPECT_EQ(x.send_time, 123456);
    EXPECT_EQ(x.payload, unhex(kBegin));
    EXPECT_FALSE(parse_xlog_data(w.substr(0, 20), x));

    std::string k = "k";
    put64(k, 0x2000000);
    put64(k, 99);
    k += '\1';
    keepalive ka;
    ASSERT_TRUE(parse_keepalive(k, ka));
    EXPECT_EQ(ka.wal_end, 0x2000000u);
    EXPECT_TRUE(ka.reply_requested);
    EXPECT_FALSE(parse_keepalive(k.substr(0, 17), ka));

    char r[status_update_size];
    encode_status_update(r, 0x10, 0x20, 0x30, 0x40, true);
    EXPECT_EQ(r[0], 'r');
    EXPECT_EQ(r[8], 0x10);
    EXPECT_EQ(r[16], 0x20);
    EXPECT_EQ(r[24], 0x30);
    EXPECT_EQ(r[32], 0x40);
    EXPECT_EQ(r[33], 1);
}

TEST(lsn, format_and_parse) {
    EXPECT_EQ(format_lsn(0x16B3748), "0/16B3748");
    EXPECT_EQ(format_lsn(0x16B374D848ULL), "16/B374D848");
    EXPECT_EQ(format_lsn(0), "0/0");
    EXPECT_EQ(parse_lsn("16/B374D848"), 0x16B374D848ULL);
    EXPECT_EQ(parse_lsn("00000016/0B374D84"), 0x160B374D84ULL);
    EXPECT_EQ(parse_lsn("0/0"), 0u);
    EXPECT_FALSE(parse_lsn("16B374D848"));
    EXPECT_FALSE(parse_lsn("/1"));
    EXPECT_FALSE(parse_lsn("1/"));
    EXPECT_FALSE(parse_lsn("x/1"));
    EXPECT_FALSE(parse_lsn("123456789/1"));
}

TEST(pgoutput, random_mutations_stay_inside_the_input) {
    // A deterministic cousin of the libFuzzer target, run in every build: flip, insert and drop
    // bytes of the captured messages; decoding must fail cleanly or yield views inside the input.
    const char* all[] = {kBegin, kRelation, kInsertJohn, kInsertJane, kCommit, kUpdate, kUpdateKey,
                         kDelete, kRelationFull, kTruncate, kMessage, kMessageTx, kUpdateToast};
    std::mt19937 rng(42);
    decoder d;
    message m;
    auto inside = [](std::string_view v, const std::string& in) {
        return v.empty() || (v.data() >= in.data() && v.data() + v.size() <= in.data() + in.size());
    };
    for (int iter = 0; iter < 200000; iter++) {
        std::string s = unhex(all[rng() % std::size(all)]);
        int edits = 1 + int(rng() % 4);
        for (int e = 0; e < edits && !s.empty(); e++) {
            size_t pos = rng() % s.size();
            switch (rng() % 3) {
            case 0: s[pos] = char(rng()); break;
            case 1: s.insert(s.begin() + long(pos), char(rng())); break;
            default: s.erase(pos, 1);
            }
        }
        if (d.decode(s, m) != nullptr) continue;
        for (auto& c : m.new_tuple) ASSERT_TRUE(inside(c.data, s));
        for (auto& c : m.old_tuple) ASSERT_TRUE(inside(c.data, s));
        if (m.type == msg::relation)
            for (auto& c : m.columns) ASSERT_TRUE(inside(c.name, s));
        if (m.type == msg::message) ASSERT_TRUE(inside(m.content, s));
    }
}
