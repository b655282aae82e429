#include "broker/storage/compression.hpp"
#include "broker/storage/record_batch.hpp"

#include <gtest/gtest.h>

#include <snappy.h>

using namespace ferry::broker::storage;

namespace {
std::string sample(size_t n) {
    std::string s;
    for (size_t i = 0; s.size() < n; ++i)
        s += "record-" + std::to_string(i % 97) + ";";
    s.resize(n);
    return s;
}
} // namespace

class codec_round_trip : public ::testing::TestWithParam<codec> {};

TEST_P(codec_round_trip, compresses_and_decompresses) {
    for (size_t n : {0, 1, 100, 70000, 300000}) {
        std::string in = sample(n), packed, out;
        ASSERT_TRUE(compress(GetParam(), in, packed));
        ASSERT_TRUE(decompress(GetParam(), packed, out, 1 << 24)) << codec_name(GetParam()) << " n=" << n;
        EXPECT_EQ(out, in);
        if (n == 300000 && GetParam() != codec::none) {
            EXPECT_LT(packed.size(), in.size() / 4);
        }
    }
}

TEST_P(codec_round_trip, decompression_is_bounded) {
    std::string in = sample(100000), packed, out;
    ASSERT_TRUE(compress(GetParam(), in, packed));
    auto r = decompress(GetParam(), packed, out, 50000);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message.rfind("INVALID_RECORD", 0), 0u) << r.error().message;
}

TEST_P(codec_round_trip, batches_carry_the_codec) {
    record_batch_builder b;
    b.compression(GetParam());
    for (int i = 0; i < 500; ++i)
        b.add("key" + std::to_string(i), sample(50));
    std::string batch = b.build();
    ASSERT_TRUE(check_batch_integrity(batch));
    EXPECT_EQ(batch_view{batch.data()}.codec(), GetParam());
    int n = 0;
    ASSERT_TRUE(for_each_record(batch, [&](const record_view& r) {
        EXPECT_EQ(*r.key, "key" + std::to_string(n));
        ++n;
        return true;
    }));
    EXPECT_EQ(n, 500);
}

INSTANTIATE_TEST_SUITE_P(all, codec_round_trip,
                         ::testing::Values(codec::none, codec::gzip, codec::snappy, codec::lz4, codec::zstd),
                         [](const auto& info) { return std::string(codec_name(info.param)); });

TEST(compression, snappy_accepts_raw_and_xerial_framing) {
    std::string in = sample(100000);
    std::string raw, xerial, out;
    ASSERT_TRUE(compress(codec::snappy, in, raw, false));
    ASSERT_TRUE(compress(codec::snappy, in, xerial, true));
    EXPECT_FALSE(snappy_is_xerial(raw));
    EXPECT_TRUE(snappy_is_xerial(xerial));
    ASSERT_TRUE(decompress(codec::snappy, raw, out, 1 << 20));
    EXPECT_EQ(out, in);
    out.clear();
    ASSERT_TRUE(decompress(codec::snappy, xerial, out, 1 << 20));
    EXPECT_EQ(out, in);
    // The raw form is exactly what libsnappy produces (librdkafka's framing).
    std::string direct;
    snappy::Compress(in.data(), in.size(), &direct);
    out.clear();
    ASSERT_TRUE(decompress(codec::snappy, direct, out, 1 << 20));
    EXPECT_EQ(out, in);
}

TEST(compression, corrupt_input_is_an_error) {
    std::string garbage = "this is not compressed data at all";
    for (codec c : {codec::gzip, codec::snappy, codec::lz4, codec::zstd}) {
        std::string out;
        EXPECT_FALSE(decompress(c, garbage, out, 1 << 20)) << codec_name(c);
    }
    std::string in = sample(10000), packed, out;
    ASSERT_TRUE(compress(codec::gzip, in, packed));
    packed.resize(packed.size() / 2);
    EXPECT_FALSE(decompress(codec::gzip, packed, out, 1 << 20));
}
