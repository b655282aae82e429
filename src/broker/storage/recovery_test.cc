// Crash recovery: torn tails, corrupt CRCs, lost indexes, leftovers of interrupted compaction,
// and a real kill -9 of a writer process.
#include "broker/storage/test_util.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace ferry::broker::storage;
using namespace ferry::broker::storage::test;
namespace fs = std::filesystem;

namespace {

// Writes `batches` batches of 4 records into t-0, closes cleanly, then removes the clean-shutdown
// marker so the next open treats the log as crashed.
void write_and_crash(const temp_dir& d, int batches, const std::map<std::string, std::string>& cfg = {}) {
    auto m = open_manager(quiet_config(d.path));
    ASSERT_TRUE(m->create_topic("t", 1, cfg));
    auto log = m->partition("t", 0);
    for (int i = 0; i < batches; ++i)
        ASSERT_TRUE(append(*log, kv_batch(i * 4, 4, 1000 + i)));
    m->close();
    fs::remove(d.sub(".ferry_cleanshutdown"));
}

std::string last_log(const temp_dir& d) {
    std::string best;
    for (const auto& e : fs::directory_iterator(d.sub("t-0")))
        if (e.path().extension() == ".log" && e.path().string() > best) best = e.path().string();
    return best;
}

void expect_prefix(partition_log& log, int64_t n) {
    auto all = read_all(log);
    ASSERT_EQ(int64_t(all.size()), n);
    for (int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(all[size_t(i)].offset, i);
        ASSERT_EQ(*all[size_t(i)].value, "v" + std::to_string(i));
    }
}

} // namespace

TEST(recovery, torn_tail_is_truncated_and_appends_continue) {
    temp_dir d;
    write_and_crash(d, 50);
    std::string f = last_log(d);
    auto size = fs::file_size(f);
    fs::resize_file(f, size - 7); // the last batch is now cut in the middle
    auto m = open_manager(quiet_config(d.path));
    auto log = m->partition("t", 0);
    EXPECT_EQ(log->log_end_offset(), 49 * 4);
    expect_prefix(*log, 49 * 4);
    auto r = append(*log, kv_batch(196, 4, 5000));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->base_offset, 196);
    expect_prefix(*log, 200);
    m->close();
    auto m2 = open_manager(quiet_config(d.path));
    EXPECT_EQ(m2->partition("t", 0)->log_end_offset(), 200);
}

TEST(recovery, corrupt_crc_truncates_from_that_batch_on) {
    temp_dir d;
    write_and_crash(d, 50);
    std::string f = last_log(d);
    size_t at = 0; // byte position of batch 30 (the same batches write_and_crash appended)
    for (int i = 0; i < 30; ++i)
        at += kv_batch(i * 4, 4, 1000 + i).size();
    // Flip one byte inside batch 30's records (past the header, inside the CRC's range).
    {
        std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
        char c;
        io.seekg(std::streamoff(at + 70));
        io.get(c);
        io.seekp(std::streamoff(at + 70));
        io.put(char(c ^ 0x55));
    }
    auto m = open_manager(quiet_config(d.path));
    auto log = m->partition("t", 0);
    EXPECT_EQ(log->log_end_offset(), 30 * 4);
    expect_prefix(*log, 120);
    EXPECT_EQ(fs::file_size(f), at);
    ASSERT_TRUE(append(*log, kv_batch(120, 4, 1000)));
    expect_prefix(*log, 124);
}

TEST(recovery, garbage_after_the_last_batch_is_removed) {
    temp_dir d;
    write_and_crash(d, 10);
    std::string f = last_log(d);
    auto size = fs::file_size(f);
    {
        std::ofstream o(f, std::ios::app | std::ios::binary);
        std::string zeros(4096, '\0'); // what a power loss can leave: allocated, never written
        o << zeros;
    }
    auto m = open_manager(quiet_config(d.path));
    EXPECT_EQ(m->partition("t", 0)->log_end_offset(), 40);
    EXPECT_EQ(fs::file_size(f), size);
}

TEST(recovery, later_segments_after_a_truncation_point_are_dropped) {
    temp_dir d;
    // Tiny segments; recovery point 0 is forced by deleting the checkpoint.
    write_and_crash(d, 60, {{"segment.bytes", "1500"}});
    fs::remove(d.sub("recovery-point-offset-checkpoint"));
    std::vector<std::string> logs;
    for (const auto& e : fs::directory_iterator(d.sub("t-0")))
        if (e.path().extension() == ".log") logs.push_back(e.path().string());
    std::sort(logs.begin(), logs.end());
    ASSERT_GT(logs.size(), 4u);
    // Corrupt the start of the third segment: it and everything after it must go.
    {
        std::fstream io(logs[2], std::ios::in | std::ios::out | std::ios::binary);
        io.seekp(8);
        io.put('\x7f').put('\x7f');
    }
    auto m = open_manager(quiet_config(d.path));
    auto log = m->partition("t", 0);
    int64_t third_base = std::stoll(fs::path(logs[2]).filename().string().substr(0, 20));
    EXPECT_EQ(log->log_end_offset(), third_base);
    expect_prefix(*log, third_base);
    EXPECT_FALSE(fs::exists(logs[3]));
    EXPECT_TRUE(append(*log, kv_batch(int(third_base), 4, 1000)));
}

TEST(recovery, missing_or_broken_indexes_are_rebuilt) {
    temp_dir d;
    {
        auto m = open_manager(quiet_config(d.path));
        ASSERT_TRUE(m->create_topic("t", 1, {{"segment.bytes", "30000"}, {"index.interval.bytes", "100"}}));
        auto log = m->partition("t", 0);
        for (int i = 0; i < 500; ++i)
            ASSERT_TRUE(append(*log, kv_batch(i * 4, 4, 1000 + i)));
        m->close();
    }
    std::vector<std::string> idx;
    for (const auto& e : fs::directory_iterator(d.sub("t-0")))
        if (e.path().extension() == ".index") idx.push_back(e.path().string());
    std::sort(idx.begin(), idx.end());
    ASSERT_GT(idx.size(), 2u);
    fs::remove(idx[0]);                                 // lost
    fs::resize_file(idx[1], fs::file_size(idx[1]) - 3); // not a whole number of entries
    auto m = open_manager(quiet_config(d.path));
    auto log = m->partition("t", 0);
    EXPECT_EQ(log->log_end_offset(), 2000);
    EXPECT_TRUE(fs::exists(idx[0]));
    EXPECT_EQ(fs::file_size(idx[1]) % 8, 0u);
    EXPECT_GT(fs::file_size(idx[0]), 0u);
    for (int64_t o = 0; o < 2000; o += 37) {
        auto r = log->read(o, 1, INT64_MAX, true);
        batch_view v{r.data.data()};
        EXPECT_LE(v.base_offset(), o);
        EXPECT_GE(v.last_offset(), o);
    }
    EXPECT_EQ(log->offset_for_timestamp(1000 + 250)->first, 1000);
}

TEST(recovery, interrupted_cleaning_output_is_discarded) {
    temp_dir d;
    write_and_crash(d, 10);
    // A cleaning that never reached its commit point leaves .cleaned (and maybe .swap index) files.
    std::ofstream(d.sub("t-0/00000000000000000000.log.cleaned")) << "partial";
    std::ofstream(d.sub("t-0/00000000000000000000.index.swap")) << "partial";
    auto m = open_manager(quiet_config(d.path));
    EXPECT_FALSE(fs::exists(d.sub("t-0/00000000000000000000.log.cleaned")));
    EXPECT_FALSE(fs::exists(d.sub("t-0/00000000000000000000.index.swap")));
    expect_prefix(*m->partition("t", 0), 40);
}

TEST(recovery, a_committed_swap_is_completed) {
    temp_dir d;
    write_and_crash(d, 30, {{"segment.bytes", "600"}});
    // Simulate a crash right after a cleaning committed: the output (here: a verbatim copy of the
    // first two segments' data, as if nothing was removed) is `<base>.log.swap`, inputs still exist.
    std::vector<std::string> logs;
    for (const auto& e : fs::directory_iterator(d.sub("t-0")))
        if (e.path().extension() == ".log") logs.push_back(e.path().string());
    std::sort(logs.begin(), logs.end());
    ASSERT_GT(logs.size(), 3u);
    {
        std::ofstream o(d.sub("t-0/00000000000000000000.log.swap"), std::ios::binary);
        for (int i = 0; i < 2; ++i) {
            std::ifstream in(logs[size_t(i)], std::ios::binary);
            o << in.rdbuf();
        }
    }
    auto m = open_manager(quiet_config(d.path));
    EXPECT_FALSE(fs::exists(d.sub("t-0/00000000000000000000.log.swap")));
    EXPECT_FALSE(fs::exists(logs[1])); // covered by the swap, so removed
    EXPECT_TRUE(fs::exists(logs[2]));
    expect_prefix(*m->partition("t", 0), 120);
}

TEST(recovery, survives_kill_dash_nine_of_the_writer) {
    temp_dir d;
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(pipefd[0]);
        auto c = quiet_config(d.path);
        auto m = log_manager::open(c);
        if (!m || !(*m)->create_topic("t", 1, {{"segment.bytes", "50000"}})) ::_exit(2);
        auto log = (*m)->partition("t", 0);
        int64_t acked = 0;
        for (int i = 0; i < 2000; ++i) {
            std::string b = kv_batch(i * 4, 4, 1000 + i);
            auto r = log->append(std::span<char>(b.data(), b.size()));
            if (!r) ::_exit(3);
            acked = r->base_offset + 4;
        }
        if (::write(pipefd[1], &acked, sizeof acked) != sizeof acked) ::_exit(4);
        ::kill(::getpid(), SIGKILL); // no close, no flush, no checkpoint
        ::_exit(5);
    }
    ::close(pipefd[1]);
    int64_t acked = 0;
    ASSERT_EQ(::read(pipefd[0], &acked, sizeof acked), ssize_t(sizeof acked));
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    EXPECT_EQ(acked, 8000);
    EXPECT_FALSE(fs::exists(d.sub(".ferry_cleanshutdown")));
    auto m = open_manager(quiet_config(d.path));
    auto log = m->partition("t", 0);
    EXPECT_EQ(log->log_end_offset(), acked); // everything acknowledged was in the page cache
    expect_prefix(*log, acked);
}
