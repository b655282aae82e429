#include "broker/storage/crc32c.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

using namespace ferry::broker::storage;

TEST(crc32c, known_vectors) {
    EXPECT_EQ(crc32c(std::string_view("")), 0u);
    EXPECT_EQ(crc32c(std::string_view("123456789")), 0xE3069283u); // the standard check value
    std::string zeros(32, '\0');
    EXPECT_EQ(crc32c(zeros), 0x8A9136AAu); // RFC 3720 B.4
    std::string ones(32, '\xff');
    EXPECT_EQ(crc32c(ones), 0x62A8AB43u);
    EXPECT_EQ(crc32c_extend_portable(0, "123456789", 9), 0xE3069283u);
}

TEST(crc32c, hardware_and_portable_agree_on_every_length_and_alignment) {
    std::mt19937 rng(7);
    std::string data(70000, '\0');
    for (auto& c : data)
        c = char(rng());
    // Lengths around the 3-stream threshold (3 * 4096) and its multiples exercise the combine step.
    for (size_t len : {0, 1, 7, 8, 9, 63, 64, 4095, 4096, 12287, 12288, 12289, 24576, 24577, 50000, 69990})
        for (size_t align : {0, 1, 3, 8})
            ASSERT_EQ(crc32c_extend(0, data.data() + align, len), crc32c_extend_portable(0, data.data() + align, len))
                << "len " << len << " align " << align;
}

TEST(crc32c, extend_equals_one_shot) {
    std::string s(100000, 'x');
    for (size_t i = 0; i < s.size(); ++i)
        s[i] = char(i * 31);
    uint32_t whole = crc32c(s);
    for (size_t cut : {0, 1, 100, 12288, 50000, 99999}) {
        uint32_t c = crc32c_extend(0, s.data(), cut);
        c = crc32c_extend(c, s.data() + cut, s.size() - cut);
        EXPECT_EQ(c, whole) << "cut at " << cut;
    }
}
