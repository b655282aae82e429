#include "storage/offset_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace ferry::storage;

namespace {
std::string read_file(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
// Fixtures are stored as hex text so that no tool on the way (checkouts, archives, filters of
// binary files) can alter them.
std::string testdata(const char* name) {
    const char* src = getenv("FERRY_SOURCE_DIR");
    auto hex = read_file(std::string(src ? src : FERRY_SOURCE_DIR_DEFAULT) + "/src/storage/testdata/" + name);
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        if (hex[i] == '\n') break;
        out.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}
} // namespace

// The fixtures were written by Java 17's ObjectOutputStream (a HashMap<byte[],byte[]> exactly as
// Kafka's FileOffsetBackingStore saves it).
TEST(java_serialization, reads_a_map_written_by_java) {
    auto m = java_deserialize_byte_map(testdata("java_hashmap_two_entries.hex"));
    ASSERT_TRUE(m) << m.error().message;
    ASSERT_EQ(m->size(), 2u);
    std::map<std::string, std::optional<std::string>> got(m->begin(), m->end());
    EXPECT_EQ(got.at(R"(["local-file-source",{"filename":"test.txt"}])"), std::optional<std::string>(R"({"position":27})"));
    EXPECT_EQ(got.at(R"(["x",{"a":1}])"), std::nullopt);
}

TEST(java_serialization, writes_bytes_identical_to_java) {
    // Java's byte order of entries follows identity hash codes; compare with the same order.
    std::map<std::string, std::optional<std::string>, std::less<>> empty;
    EXPECT_EQ(java_serialize_byte_map(empty), testdata("java_hashmap_empty.hex"));
    auto java = testdata("java_hashmap_two_entries.hex");
    std::map<std::string, std::optional<std::string>, std::less<>> two{
        {R"(["local-file-source",{"filename":"test.txt"}])", R"({"position":27})"}, {R"(["x",{"a":1}])", std::nullopt}};
    // std::map orders the two keys the way Java happened to: '[' '"' 'l' < '[' '"' 'x'.
    EXPECT_EQ(java_serialize_byte_map(two), java);
}

TEST(java_serialization, round_trips_many_entries) {
    std::map<std::string, std::optional<std::string>, std::less<>> m;
    for (int i = 0; i < 1000; i++) m["key-" + std::to_string(i)] = std::string(i % 7, char('a' + i % 26));
    auto bytes = java_serialize_byte_map(m);
    auto back = java_deserialize_byte_map(bytes);
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->size(), m.size());
    for (auto& [k, v] : *back) EXPECT_EQ(m.at(k), v);
}

TEST(java_serialization, rejects_garbage_with_a_reason) {
    auto r = java_deserialize_byte_map("not java");
    ASSERT_FALSE(r);
    auto bytes = java_serialize_byte_map({{"k", std::string("v")}});
    auto t = java_deserialize_byte_map(std::string_view(bytes).substr(0, bytes.size() - 3));
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().message.find("truncated"), std::string::npos);
}

TEST(file_offset_store, persists_atomically_and_reloads) {
    auto dir = std::filesystem::temp_directory_path() / ("ferry-offsets-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    auto path = (dir / "sub" / "connect.offsets").string();
    {
        file_offset_store s(path);
        ASSERT_TRUE(s.start());
        ASSERT_TRUE(s.set({{"a", std::string("1")}, {"b", std::string("2")}}, std::chrono::seconds(1)));
        ASSERT_TRUE(s.set({{"a", std::nullopt}, {"c", std::string("3")}}, std::chrono::seconds(1)));
        EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    }
    file_offset_store again(path);
    ASSERT_TRUE(again.start());
    EXPECT_EQ(again.get("a"), std::nullopt);
    EXPECT_EQ(again.get("b"), std::optional<std::string>("2"));
    EXPECT_EQ(again.get("c"), std::optional<std::string>("3"));
    EXPECT_EQ(again.entries().size(), 2u);
    std::filesystem::remove_all(dir);
}

TEST(file_offset_store, corrupt_file_is_an_error_not_an_empty_store) {
    auto path = (std::filesystem::temp_directory_path() / ("ferry-bad-offsets-" + std::to_string(getpid()))).string();
    std::ofstream(path) << "garbage";
    file_offset_store s(path);
    auto r = s.start();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(path), std::string::npos);
    std::filesystem::remove(path);
}
