#include "base/log.hpp"
#include "file_connectors.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>

namespace ferry::plugins::file {

using namespace config;

const config_def& source_config_def() {
    static const config_def d = config_def()
        .define({.name = "file", .type = config_type::string, .def = null_default, .imp = importance::high,
                 .doc = "Source filename. If not specified, the standard input will be used"})
        .define({.name = "topic", .type = config_type::string, .def = no_default, .valid = validators::non_empty_string(),
                 .imp = importance::high, .doc = "The topic to publish data to"})
        .define({.name = "batch.size", .type = config_type::int_, .def = "2000", .valid = validators::at_least(1),
                 .imp = importance::low, .doc = "The maximum number of records the source task can read from the file each time it is polled"});
    return d;
}

namespace {

class file_source_connector : public source_connector {
public:
    std::string version() const override { return FERRY_CONNECT_VERSION; }
    void start(const config_map& cfg) override {
        source_config_def().parse(cfg); // throws config_error naming the key
        _config = cfg;
    }
    std::string task_class() const override { return source_task_class; }
    // Always exactly one task, whatever tasks.max is: a file has one reader.
    std::vector<config_map> task_configs(int) override { return {_config}; }
    void stop() override {}
    const config_def& config() const override { return source_config_def(); }
    exactly_once_support exactly_once(const config_map& cfg) const override {
        auto it = cfg.find("file");
        return it != cfg.end() && !it->second.empty() ? exactly_once_support::supported : exactly_once_support::unsupported;
    }
    std::optional<bool> alter_offsets(const config_map&, const partition_offsets& offsets) override {
        for (auto& [partition, offset] : offsets) {
            if (partition.type() != value::kind::map || !partition.map_get("filename"))
                throw connect_error("Partition objects for file source connectors must contain the key 'filename'");
            if (offset.is_null()) continue;
            auto pos = offset.type() == value::kind::map ? offset.map_get("position") : nullptr;
            if (!pos) throw connect_error("Offset objects for file source connectors must contain the key 'position'");
            if (!pos->is_integer() || pos->to_int64() < 0)
                throw connect_error("The value for the 'position' key in the offset is expected to be a non-negative long");
        }
        return true;
    }

private:
    config_map _config;
};

class file_source_task : public source_task {
public:
    std::string version() const override { return FERRY_CONNECT_VERSION; }
    // No commit_record()/commit(): the runtime reads the next lines while it sends the last ones.
    bool poll_concurrently() const override { return true; }

    void start(const config_map& cfg) override {
        auto v = source_config_def().parse(cfg);
        auto f = v.get_string_opt("file");
        _stdin = !f || f->empty();
        _filename = _stdin ? "stdin" : *f;
        _topic = v.get_string("topic");
        _batch_size = v.get_int("batch.size");
        _log = log::get("connector.file");
        if (!_stdin) {
            value::map_type p;
            p.emplace_back(value("filename"), value(_filename));
            _partition = value(std::move(p));
        }
        _buf.resize(64 * 1024);
    }

    void poll(std::vector<source_record>& out) override {
        if (!_open && !open_file()) {
            wait(std::chrono::seconds(1));
            return;
        }
        // One wall-clock reading per poll: the lines of a batch were read together.
        _now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
        for (;;) {
            // Emit complete lines from the buffer.
            while ((int)out.size() < _batch_size) {
                auto line = next_line();
                if (!line) break;
                emit(*line, out);
            }
            if (!out.empty() || _stopping) return;
            // Need more data.
            if (_len == _buf.size()) _buf.resize(_buf.size() * 2); // a line longer than the buffer
            ssize_t n = ::read(_fd, _buf.data() + _len, _buf.size() - _len);
            if (n < 0) {
                if (errno == EINTR) continue;
                auto msg = fmt::format("Error while trying to read from file {}: {}", _filename, std::strerror(errno));
                close_file();
                throw connect_error(msg);
            }
            if (n == 0) {
                wait(std::chrono::seconds(1)); // no new data yet
                return;
            }
            _len += size_t(n);
        }
    }

    void stop() override {
        std::lock_guard g(_mu);
        _stopping = true;
        _cv.notify_all();
    }

    ~file_source_task() override { close_file(); }

private:
    bool open_file() {
        if (_stdin) {
            _fd = 0;
            _open = true;
            return true;
        }
        _fd = ::open(_filename.c_str(), O_RDONLY | O_CLOEXEC);
        if (_fd < 0) {
            if (errno == ENOENT) {
                _log->warn("Couldn't find file {} for FileStreamSourceTask, sleeping to wait for it to be created",
                           _filename);
                return false;
            }
            throw connect_error(fmt::format("Couldn't open file {}: {}", _filename, std::strerror(errno)));
        }
        _position = 0;
        auto off = context().offset_reader().offset(_partition);
        if (!off.is_null()) {
            auto pos = off.type() == value::kind::map ? off.map_get("position") : nullptr;
            if (!pos || !pos->is_integer())
                throw connect_error(fmt::format("Offset position is the incorrect type for file {}", _filename));
            _position = pos->to_int64();
            if (::lseek(_fd, _position, SEEK_SET) < 0)
                throw connect_error(fmt::format("Couldn't seek to offset {} in {}: {}", _position, _filename,
                                                std::strerror(errno)));
            _log->debug("Skipped to offset {} in {}", _position, _filename);
        }
        _open = true;
        _len = 0;
        _start = 0;
        return true;
    }

    void close_file() {
        if (_fd > 0) ::close(_fd);
        _fd = -1;
        _open = false;
    }

    // The next complete line (without terminator) or nullopt; a '\r' at the end of the buffered
    // data waits for the next read, since a '\n' may follow.
    std::optional<std::string_view> next_line() {
        const char* base = _buf.data();
        // The first '\n' or '\r' from _start, with two memchr calls (vectorised) instead of a byte loop.
        const void* nl = std::memchr(base + _start, '\n', _len - _start);
        size_t end = nl ? size_t(static_cast<const char*>(nl) - base) : _len;
        const void* cr = std::memchr(base + _start, '\r', end - _start);
        if (cr) end = size_t(static_cast<const char*>(cr) - base);
        // A '\r' as the last buffered byte waits for the next read: a '\n' may follow.
        if (end < _len && !(base[end] == '\r' && end + 1 >= _len)) {
            size_t next = end + 1;
            if (base[end] == '\r' && base[end + 1] == '\n') next = end + 2;
            std::string_view line(base + _start, end - _start);
            _position += int64_t(next - _start);
            _start = next;
            return line;
        }
        // Compact: move the partial line to the front of the buffer.
        if (_start > 0) {
            std::memmove(_buf.data(), _buf.data() + _start, _len - _start);
            _len -= _start;
            _start = 0;
        }
        return std::nullopt;
    }

    void emit(std::string_view line, std::vector<source_record>& out) {
        auto& r = out.emplace_back();
        r.topic = _topic;
        r.value_schema = schemas::string();
        r.val = value(std::string(line));
        r.timestamp = _now_ms;
        if (!_stdin) {
            r.source_partition = _partition;
            value::map_type o;
            o.reserve(1); // allocates exactly once (emplace_back into an empty vector takes the growth path)
            o.emplace_back(_position_key, value(int64_t(_position)));
            r.source_offset = value(std::move(o));
        }
    }

    template <class D>
    void wait(D d) {
        std::unique_lock l(_mu);
        _cv.wait_for(l, d, [&] { return _stopping.load(); });
    }

    // The offset map's key, copied into each record's offset (a short string: no allocation).
    const value _position_key{"position"};
    std::string _filename, _topic;
    bool _stdin = false;
    int _batch_size = 2000;
    shared_value _partition;
    int _fd = -1;
    bool _open = false;
    int64_t _position = 0;
    int64_t _now_ms = 0;
    std::string _buf;
    size_t _start = 0, _len = 0;
    std::mutex _mu;
    std::condition_variable _cv;
    std::atomic<bool> _stopping{false};
    log::logger_ptr _log;
};

} // namespace

void register_source(plugin_registry& r) {
    r.add_source_connector({source_class, {"FileStreamSource"}, plugin_type::source, FERRY_CONNECT_VERSION, source_config_def},
                           [] { return std::make_unique<file_source_connector>(); });
    r.add_source_task(source_task_class, [] { return std::make_unique<file_source_task>(); });
}

} // namespace ferry::plugins::file
