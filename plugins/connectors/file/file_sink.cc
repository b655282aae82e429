#include "base/log.hpp"
#include "file_connectors.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ferry::plugins::file {

using namespace config;

const config_def& sink_config_def() {
    static const config_def d = config_def().define(
        {.name = "file", .type = config_type::string, .def = null_default, .imp = importance::high,
         .doc = "Destination filename. If not specified, the standard output will be used"});
    return d;
}

namespace {

class file_sink_connector : public sink_connector {
public:
    std::string version() const override { return FERRY_CONNECT_VERSION; }
    void start(const config_map& cfg) override {
        sink_config_def().parse(cfg);
        _config = cfg;
    }
    std::string task_class() const override { return sink_task_class; }
    std::vector<config_map> task_configs(int max_tasks) override { return std::vector<config_map>(max_tasks, _config); }
    void stop() override {}
    const config_def& config() const override { return sink_config_def(); }
    // The sink keeps no offsets of its own; the consumer group's are the only ones.
    std::optional<bool> alter_offsets(const config_map&, const std::map<topic_partition, std::optional<int64_t>>&) override {
        return true;
    }

private:
    config_map _config;
};

// Appends value.toString() + "\n" per record (UTF-8), buffering writes; flush() writes the buffer
// and fsyncs, so offsets committed after it never run ahead of the file.
class file_sink_task : public sink_task {
public:
    std::string version() const override { return FERRY_CONNECT_VERSION; }

    void start(const config_map& cfg) override {
        auto v = sink_config_def().parse(cfg);
        auto f = v.get_string_opt("file");
        if (!f || f->empty()) {
            _fd = 1;
            _filename = "stdout";
            return;
        }
        _filename = *f;
        _fd = ::open(_filename.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (_fd < 0)
            throw connect_error(fmt::format("Couldn't find or create file '{}' for FileStreamSinkTask: {}", _filename,
                                            std::strerror(errno)));
        _owned = true;
    }

    void put(const std::vector<sink_record>& records) override {
        for (auto& r : records) {
            if (r.val.type() == value::kind::string) _buf += r.val.as_string();
            else _buf += to_java_string(r.val);
            _buf.push_back('\n');
        }
        if (_buf.size() >= (1 << 20)) write_buffer();
    }

    void flush(const offset_map&) override {
        write_buffer();
        if (_owned && ::fsync(_fd) != 0)
            throw connect_error(fmt::format("Couldn't flush file '{}': {}", _filename, std::strerror(errno)));
    }

    void stop() override {}

    ~file_sink_task() override {
        if (_owned) {
            // Best effort: what was put but not flushed is redelivered anyway (its offsets were
            // not committed), but writing it keeps the file in step for readers.
            try {
                write_buffer();
            } catch (const std::exception& e) {
                log::get("connector.file")->warn("Error while closing {}: {}", _filename, e.what());
            }
            ::close(_fd);
        }
    }

private:
    void write_buffer() {
        std::string_view data = _buf;
        while (!data.empty()) {
            ssize_t n = ::write(_fd, data.data(), data.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                // The task fails; after a restart the records since the last commit come again.
                _buf.clear();
                throw connect_error(fmt::format("Couldn't write to file '{}': {}", _filename, std::strerror(errno)));
            }
            data.remove_prefix(size_t(n));
        }
        _buf.clear();
    }

    std::string _filename;
    int _fd = -1;
    bool _owned = false;
    std::string _buf;
};

} // namespace

void register_sink(plugin_registry& r) {
    r.add_sink_connector({sink_class, {"FileStreamSink"}, plugin_type::sink, FERRY_CONNECT_VERSION, sink_config_def},
                         [] { return std::make_unique<file_sink_connector>(); });
    r.add_sink_task(sink_task_class, [] { return std::make_unique<file_sink_task>(); });
}

} // namespace ferry::plugins::file

namespace ferry {
void register_file_connectors(plugin_registry& r) {
    plugins::file::register_source(r);
    plugins::file::register_sink(r);
}
} // namespace ferry
