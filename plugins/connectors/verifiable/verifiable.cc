// Kafka's test connectors (org.apache.kafka.connect.tools.VerifiableSource/SinkConnector): a source
// that emits numbered records and a sink that records what it receives - the tools Kafka's own
// system tests use to check delivery guarantees. Ferry adds fault injection to the sink
// (retriable.error.rate, failure.after.records) so tests can prove retries and restarts lose and
// duplicate nothing.
//
// Source records: partition {"id": <task id>}, offset {"seqno": n}, value the JSON string
// {"task":<id>,"seqno":n,"topic":"t"} (STRING schema). The sink writes each record value as one line
// to `file` (or nowhere) and flushes it in flush().

#include "base/log.hpp"
#include "ferry/plugin.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <random>

namespace ferry::plugins::verifiable {

using namespace config;

namespace {

const config_def& source_def() {
    static const config_def d =
        config_def()
            .define({.name = "topic", .type = config_type::string, .def = no_default,
                     .valid = validators::non_empty_string(), .imp = importance::high, .doc = "The topic to write to"})
            .define({.name = "throughput", .type = config_type::long_, .def = "-1", .imp = importance::high,
                     .doc = "Records per second per task; -1 for as fast as possible"})
            .define({.name = "max.records", .type = config_type::long_, .def = "-1", .imp = importance::medium,
                     .doc = "Ferry: stop producing after this many records per task (-1 = unlimited)"});
    return d;
}

const config_def& sink_def() {
    static const config_def d =
        config_def()
            .define({.name = "file", .type = config_type::string, .def = "", .imp = importance::high,
                     .doc = "Ferry: file to append received record values to (one per line); empty = none"})
            .define({.name = "retriable.error.rate", .type = config_type::double_, .def = "0",
                     .imp = importance::medium,
                     .doc = "Ferry: probability that put() throws a RetriableException instead of writing"})
            .define({.name = "retry.timeout.ms", .type = config_type::long_, .def = "0", .imp = importance::low,
                     .doc = "Ferry: context.timeout() set before throwing a RetriableException"})
            .define({.name = "failure.after.records", .type = config_type::long_, .def = "-1",
                     .imp = importance::low,
                     .doc = "Ferry: throw a (non-retriable) ConnectException once this many records were written"});
    return d;
}

class source_conn : public source_connector {
public:
    std::string version() const override { return FERRY_CONNECT_VERSION; }
    void start(const config_map& c) override {
        source_def().parse(c);
        _c = c;
    }
    std::string task_class() const override { return "org.apache.kafka.connect.tools.VerifiableSourceTask"; }
    std::vector<config_map> task_configs(int n) override {
        std::vector<config_map> out;
        for (int i = 0; i < n; i++) {
            auto c = _c;
            c["id"] = std::to_string(i);
            out.push_back(c);
        }
        return out;
    }
    void stop() override {}
    const config_def& config() const override { return source_def(); }

private:
    config_map _c;
};

class source_tsk : public source_task {
public:
    std::string version() const override { return FERRY_CONNECT_VERSION; }
    void start(const config_map& c) override {
        auto v = source_def().parse(c);
        _topic = v.get_string("topic");
        _throughput = v.get_long("throughput");
        _max = v.get_long("max.records");
        _id = c.count("id") ? std::atoi(c.at("id").c_str()) : 0;
        value::map_type p;
        p.emplace_back(value("id"), value(int32_t(_id)));
        _partition = value(std::move(p));
        auto off = context().offset_reader().offset(_partition);
        if (off.type() == value::kind::map)
            if (auto s = off.map_get("seqno"); s && s->is_integer()) _seqno = s->to_int64() + 1;
        _start = std::chrono::steady_clock::now();
        _start_seqno = _seqno;
    }
    void poll(std::vector<source_record>& out) override {
        int64_t n = 1000;
        if (_max >= 0) n = std::min(n, _max - _seqno);
        if (n <= 0) {
            wait(std::chrono::milliseconds(500));
            return;
        }
        if (_throughput > 0) {
            // Throttle: emit what the elapsed time allows.
            auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - _start).count();
            int64_t allowed = _start_seqno + int64_t(elapsed * double(_throughput)) + 1 - _seqno;
            if (allowed <= 0) {
                wait(std::chrono::milliseconds(std::max<int64_t>(1, 1000 / _throughput)));
                return;
            }
            n = std::min(n, allowed);
        }
        for (int64_t i = 0; i < n; i++) {
            auto& r = out.emplace_back();
            r.topic = _topic;
            r.value_schema = schemas::string();
            r.val = value(fmt::format(R"({{"task":{},"seqno":{},"topic":"{}"}})", _id, _seqno, _topic));
            r.source_partition = _partition;
            value::map_type o;
            o.emplace_back(value("seqno"), value(int64_t(_seqno)));
            r.source_offset = value(std::move(o));
            _seqno++;
        }
    }
    void stop() override {
        std::lock_guard g(_mu);
        _stopping = true;
        _cv.notify_all();
    }

private:
    template <class D>
    void wait(D d) {
        std::unique_lock l(_mu);
        _cv.wait_for(l, d, [&] { return _stopping.load(); });
    }
    std::string _topic;
    int64_t _throughput = -1, _max = -1, _seqno = 0, _start_seqno = 0;
    int _id = 0;
    shared_value _partition;
    std::chrono::steady_clock::time_point _start;
    std::mutex _mu;
    std::condition_variable _cv;
    std::atomic<bool> _stopping{false};
};

class sink_conn : public sink_connector {
public:
    std::string version() const override { return FERRY_CONNECT_VERSION; }
    void start(const config_map& c) override {
        sink_def().parse(c);
        _c = c;
    }
    std::string task_class() const override { return "org.apache.kafka.connect.tools.VerifiableSinkTask"; }
    std::vector<config_map> task_configs(int n) override { return std::vector<config_map>(n, _c); }
    void stop() override {}
    const config_def& config() const override { return sink_def(); }

private:
    config_map _c;
};

class sink_tsk : public sink_task {
public:
    std::string version() const override { return FERRY_CONNECT_VERSION; }
    void start(const config_map& c) override {
        auto v = sink_def().parse(c);
        _rate = v.get_double("retriable.error.rate");
        _timeout = v.get_long("retry.timeout.ms");
        _fail_after = v.get_long("failure.after.records");
        auto f = v.get_string("file");
        if (!f.empty()) {
            _fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            if (_fd < 0) throw connect_error(fmt::format("cannot open {}: {}", f, std::strerror(errno)));
        }
        _rng.seed(std::random_device{}());
    }
    void put(const std::vector<sink_record>& records) override {
        if (records.empty()) return;
        if (_rate > 0 && std::uniform_real_distribution<double>(0, 1)(_rng) < _rate) {
            if (_timeout > 0) context().timeout(_timeout);
            throw retriable_error("injected retriable error (retriable.error.rate)");
        }
        for (auto& r : records) {
            if (_fail_after >= 0 && _written >= _fail_after)
                throw connect_error(fmt::format("injected failure after {} records (failure.after.records)", _written));
            _buf += r.val.type() == value::kind::string ? r.val.as_string() : to_java_string(r.val);
            _buf.push_back('\n');
            _written++;
        }
    }
    void flush(const offset_map&) override {
        if (_fd < 0) {
            _buf.clear();
            return;
        }
        std::string_view d = _buf;
        while (!d.empty()) {
            ssize_t n = ::write(_fd, d.data(), d.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw connect_error(fmt::format("write failed: {}", std::strerror(errno)));
            d.remove_prefix(size_t(n));
        }
        _buf.clear();
        ::fsync(_fd);
    }
    void stop() override {}
    ~sink_tsk() override {
        if (_fd >= 0) ::close(_fd);
    }

private:
    double _rate = 0;
    int64_t _timeout = 0, _fail_after = -1, _written = 0;
    int _fd = -1;
    std::string _buf;
    std::mt19937_64 _rng;
};

} // namespace
} // namespace ferry::plugins::verifiable

namespace ferry {
void register_verifiable(plugin_registry& r) {
    using namespace plugins::verifiable;
    r.add_source_connector({"org.apache.kafka.connect.tools.VerifiableSourceConnector", {}, plugin_type::source,
                            FERRY_CONNECT_VERSION, source_def},
                           [] { return std::make_unique<source_conn>(); });
    r.add_source_task("org.apache.kafka.connect.tools.VerifiableSourceTask", [] { return std::make_unique<source_tsk>(); });
    r.add_sink_connector({"org.apache.kafka.connect.tools.VerifiableSinkConnector", {}, plugin_type::sink, FERRY_CONNECT_VERSION,
                          sink_def},
                         [] { return std::make_unique<sink_conn>(); });
    r.add_sink_task("org.apache.kafka.connect.tools.VerifiableSinkTask", [] { return std::make_unique<sink_tsk>(); });
}
} // namespace ferry
