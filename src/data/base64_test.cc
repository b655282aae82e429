#include "ferry/data/base64.hpp"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(base64, encodes_with_padding) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("test-string"), "dGVzdC1zdHJpbmc=");
    EXPECT_EQ(base64_encode(std::string("\x00\x9c", 2)), "AJw=");
    EXPECT_EQ(base64_encode(std::string("\xff\xfe\xfd", 3)), "//79");
}

TEST(base64, decodes_like_jackson) {
    EXPECT_EQ(base64_decode("dGVzdC1zdHJpbmc="), "test-string");
    EXPECT_EQ(base64_decode("AJw="), std::string("\x00\x9c", 2));
    EXPECT_EQ(base64_decode(""), "");
    EXPECT_EQ(base64_decode("Zm9v Zm8="), "foofo"); // whitespace between groups is skipped
    EXPECT_FALSE(base64_decode("Zm8"));             // padding required
    EXPECT_FALSE(base64_decode("Zm=v"));
    EXPECT_FALSE(base64_decode("Zm8=Zm9v"));
    EXPECT_FALSE(base64_decode("Z!9v"));
}

} // namespace
} // namespace ferry
