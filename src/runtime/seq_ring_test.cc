#include "runtime/seq_ring.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

using ferry::runtime::seq_ring;

TEST(SeqRing, FifoOrderAndSequenceNumbersAcrossGrowthAndWrapAround) {
    seq_ring<std::string> r;
    uint64_t next_pop = 0;
    // Interleave pushes and pops so the ring wraps around and grows with items in the middle.
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 100 + round * 37; i++) {
            uint64_t seq = r.push_back("item" + std::to_string(r.tail()));
            EXPECT_EQ(r.at_seq(seq), "item" + std::to_string(seq));
        }
        for (int i = 0; i < 60; i++) {
            ASSERT_FALSE(r.empty());
            EXPECT_EQ(r.front(), "item" + std::to_string(next_pop));
            EXPECT_EQ(r.head(), next_pop);
            r.pop_front();
            next_pop++;
        }
        for (uint64_t s = r.head(); s != r.tail(); ++s) EXPECT_EQ(r.at_seq(s), "item" + std::to_string(s));
    }
    EXPECT_EQ(r.size(), size_t(r.tail() - r.head()));
    EXPECT_GE(r.capacity(), r.size());
    while (!r.empty()) {
        EXPECT_EQ(r.front(), "item" + std::to_string(next_pop++));
        r.pop_front();
    }
    EXPECT_EQ(next_pop, r.tail());
}

TEST(SeqRing, PopReleasesTheItemAndPopBackUndoesAPush) {
    seq_ring<std::shared_ptr<int>> r;
    auto p = std::make_shared<int>(7);
    r.push_back(p);
    uint64_t s2 = r.push_back(p);
    EXPECT_EQ(p.use_count(), 3);
    r.pop_back();
    EXPECT_EQ(p.use_count(), 2);
    EXPECT_EQ(r.tail(), s2);
    r.pop_front();
    EXPECT_EQ(p.use_count(), 1);
    EXPECT_TRUE(r.empty());
}
