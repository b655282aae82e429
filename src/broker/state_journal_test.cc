#include "broker/state_journal.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ferry::broker {
namespace {

namespace fs = std::filesystem;

struct temp_dir {
    fs::path path;
    temp_dir() {
        char tmpl[] = "/tmp/ferry-journal-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~temp_dir() { fs::remove_all(path); }
};

TEST(state_journal, survives_reopen_and_erase) {
    temp_dir d;
    {
        auto j = state_journal::open(d.path.string(), "s");
        ASSERT_TRUE(j);
        ASSERT_TRUE((*j)->put("a", "1"));
        ASSERT_TRUE((*j)->put("b", "2"));
        ASSERT_TRUE((*j)->put("a", "3"));
        ASSERT_TRUE((*j)->erase("b"));
    }
    auto j = state_journal::open(d.path.string(), "s");
    ASSERT_TRUE(j);
    EXPECT_EQ((*j)->entries().size(), 1u);
    EXPECT_EQ((*j)->entries().at("a"), "3");
}

TEST(state_journal, torn_tail_is_truncated) {
    temp_dir d;
    {
        auto j = state_journal::open(d.path.string(), "s");
        ASSERT_TRUE((*j)->put("k1", "v1"));
        ASSERT_TRUE((*j)->put("k2", "v2"));
    }
    auto jp = d.path / "s.journal";
    auto size = fs::file_size(jp);
    fs::resize_file(jp, size - 3); // the last record is torn
    {
        auto j = state_journal::open(d.path.string(), "s");
        ASSERT_TRUE(j);
        EXPECT_EQ((*j)->entries().count("k1"), 1u);
        EXPECT_EQ((*j)->entries().count("k2"), 0u);
        ASSERT_TRUE((*j)->put("k3", "v3")); // appended after the repaired tail
    }
    auto j = state_journal::open(d.path.string(), "s");
    EXPECT_EQ((*j)->entries().at("k3"), "v3");
    EXPECT_EQ((*j)->entries().size(), 2u);
}

TEST(state_journal, compaction_keeps_the_live_map) {
    temp_dir d;
    {
        auto j = state_journal::open(d.path.string(), "s");
        std::string big(1000, 'x');
        for (int i = 0; i < 20000; ++i)
            ASSERT_TRUE((*j)->put("key" + std::to_string(i % 10), big + std::to_string(i)));
        EXPECT_LT(fs::file_size(d.path / "s.journal"), 8u * 1024 * 1024);
    }
    auto j = state_journal::open(d.path.string(), "s");
    ASSERT_EQ((*j)->entries().size(), 10u);
    EXPECT_EQ((*j)->entries().at("key9"), std::string(1000, 'x') + "19999");
}

} // namespace
} // namespace ferry::broker
