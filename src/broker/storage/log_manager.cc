#include "broker/storage/partition_log_impl.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

namespace ferry::broker::storage {
namespace {

namespace fs = std::filesystem;

// Topic metadata lives in `<log_dir>/.topics/<topic>` (a dot-name cannot collide with a
// `<topic>-<partition>` directory): partition count plus the topic-level overrides only, so a
// changed broker default applies to every topic that does not override it, as in Kafka.
constexpr const char* topics_dir_name = ".topics";
constexpr const char* clean_shutdown_name = ".ferry_cleanshutdown";
constexpr const char* lock_name = ".lock";
constexpr const char* recovery_ckpt_name = "recovery-point-offset-checkpoint";
constexpr const char* log_start_ckpt_name = "log-start-offset-checkpoint";
constexpr const char* cleaner_ckpt_name = "cleaner-offset-checkpoint";

int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

result<> validate_topic_name(const std::string& n) {
    if (n.empty() || n == "." || n == "..")
        return fail(errc::invalid_argument, "INVALID_TOPIC_EXCEPTION: topic name '{}' is illegal", n);
    if (n.size() > 249)
        return fail(errc::invalid_argument, "INVALID_TOPIC_EXCEPTION: topic name is longer than 249 characters");
    for (char c : n)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
            return fail(errc::invalid_argument,
                        "INVALID_TOPIC_EXCEPTION: topic name '{}' contains characters other than ASCII alphanumerics, "
                        "'.', '_' and '-'",
                        n);
    return {};
}

std::string escape(std::string_view s) {
    std::string o;
    for (char c : s) {
        if (c == '\\')
            o += "\\\\";
        else if (c == '\n')
            o += "\\n";
        else if (c == '\r')
            o += "\\r";
        else
            o += c;
    }
    return o;
}

std::string unescape(std::string_view s) {
    std::string o;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            char n = s[++i];
            o += n == 'n' ? '\n' : n == 'r' ? '\r' : n;
        } else {
            o += s[i];
        }
    }
    return o;
}

struct topic_meta {
    int32_t partitions = 0;
    std::map<std::string, std::string> overrides;
};

std::string encode_meta(const topic_meta& m) {
    std::string s = "# Ferry topic metadata: partition count and topic-level config overrides\nversion=1\n";
    s += "partitions=" + std::to_string(m.partitions) + "\n";
    for (const auto& [k, v] : m.overrides)
        s += "config." + k + "=" + escape(v) + "\n";
    return s;
}

result<topic_meta> decode_meta(const std::string& text, const std::string& path) {
    topic_meta m;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto eq = line.find('=');
        if (eq == std::string::npos) return fail(errc::io, "malformed line in {}: {}", path, line);
        std::string k = line.substr(0, eq), v = line.substr(eq + 1);
        if (k == "partitions")
            m.partitions = std::atoi(v.c_str());
        else if (k.rfind("config.", 0) == 0)
            m.overrides[k.substr(7)] = unescape(v);
    }
    if (m.partitions <= 0) return fail(errc::io, "{} has no valid partition count", path);
    return m;
}

void raise_fd_limit() {
    // Every segment keeps its files open; take whatever the hard limit allows.
    struct rlimit rl;
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
}

class manager_impl final : public log_manager {
public:
    explicit manager_impl(log_manager_config cfg) : _cfg(std::move(cfg)) {
        _env = std::make_shared<log_env>();
        _env->clock = _cfg.clock ? _cfg.clock : [] { return wall_clock_ms(); };
        _env->dedupe_buffer_bytes = _cfg.cleaner_dedupe_buffer_bytes;
        _env->logger = ferry::log::get("broker.storage");
        _env->log_start_changed = [this] { write_log_start_checkpoint(); };
        _env->cleaner_offset_changed = [this] { write_cleaner_checkpoint(); };
        _defaults = _cfg.defaults;
        _defaults.overrides.clear();
    }

    ~manager_impl() override { close(); }

    result<> init();

    result<> create_topic(const std::string& name, int32_t partitions,
                          const std::map<std::string, std::string>& configs) override;
    result<> delete_topic(const std::string& name) override;
    result<> add_partitions(const std::string& name, int32_t new_total) override;
    result<> alter_topic_config(const std::string& name,
                                const std::map<std::string, std::optional<std::string>>& set_or_delete,
                                bool incremental) override;
    bool topic_exists(const std::string& name) const override {
        std::shared_lock lk(_mu);
        return _topics.count(name) > 0;
    }
    std::optional<int32_t> partition_count(const std::string& name) const override {
        std::shared_lock lk(_mu);
        auto it = _topics.find(name);
        if (it == _topics.end()) return std::nullopt;
        return int32_t(it->second.parts.size());
    }
    std::vector<std::string> topics() const override {
        std::shared_lock lk(_mu);
        std::vector<std::string> v;
        for (const auto& [n, t] : _topics)
            v.push_back(n);
        return v;
    }
    std::optional<topic_config> config_of(const std::string& name) const override {
        std::shared_lock lk(_mu);
        auto it = _topics.find(name);
        if (it == _topics.end()) return std::nullopt;
        return *it->second.cfg;
    }
    std::shared_ptr<partition_log> partition(const std::string& topic, int32_t p) const override {
        std::shared_lock lk(_mu);
        auto it = _topics.find(topic);
        if (it == _topics.end() || p < 0 || size_t(p) >= it->second.parts.size()) return nullptr;
        return it->second.parts[size_t(p)];
    }
    void run_maintenance_now() override;
    void close() override;

private:
    struct topic_state {
        std::shared_ptr<const topic_config> cfg;
        std::vector<std::shared_ptr<disk_log>> parts;
    };

    std::string topics_dir() const { return join_path(_cfg.log_dir, topics_dir_name); }
    std::string meta_path(const std::string& topic) const { return join_path(topics_dir(), topic); }
    std::string partition_dir(const std::string& topic, int32_t p) const {
        return join_path(_cfg.log_dir, topic + "-" + std::to_string(p));
    }
    std::vector<std::shared_ptr<disk_log>> all_logs() const {
        std::shared_lock lk(_mu);
        std::vector<std::shared_ptr<disk_log>> v;
        for (const auto& [n, t] : _topics)
            v.insert(v.end(), t.parts.begin(), t.parts.end());
        return v;
    }
    result<std::shared_ptr<disk_log>> open_log(const std::string& topic, int32_t p,
                                               std::shared_ptr<const topic_config> cfg, const log_open_state& st) {
        return disk_log::open(_env, topic, p, partition_dir(topic, p), std::move(cfg), st);
    }
    result<> write_meta(const std::string& topic, const topic_meta& m) {
        return write_file_atomic(meta_path(topic), encode_meta(m));
    }
    void write_recovery_checkpoint();
    void write_log_start_checkpoint();
    void write_cleaner_checkpoint();
    void maintenance(bool retention, bool compaction);
    void bg_loop();

    log_manager_config _cfg;
    topic_config _defaults;
    std::shared_ptr<log_env> _env;
    mutable std::shared_mutex _mu; // the topic map; never held while waiting on a partition
    std::map<std::string, topic_state> _topics;
    std::mutex _ckpt_mu;
    std::mutex _maint_mu;
    std::thread _bg;
    std::mutex _bg_mu;
    std::condition_variable _bg_cv;
    bool _stop = false;
    std::atomic<bool> _closed{false};
    bool _started = false; // init() finished: close() may write the clean-shutdown marker
    unique_fd _lock;       // flock'd `.lock`: one process per log dir
};

result<> manager_impl::init() {
    auto& logger = _env->logger;
    std::error_code ec;
    fs::create_directories(topics_dir(), ec);
    if (ec) return fail(errc::io, "cannot create log dir {}: {}", _cfg.log_dir, ec.message());
    raise_fd_limit();
    auto lock = open_file(join_path(_cfg.log_dir, lock_name), O_RDWR | O_CREAT);
    if (!lock) return fail(std::move(lock.error()));
    if (::flock(lock->get(), LOCK_EX | LOCK_NB) != 0)
        return fail(errc::conflict, "log dir {} is in use by another process (or another log_manager)", _cfg.log_dir);
    _lock = std::move(*lock);
    std::string marker = join_path(_cfg.log_dir, clean_shutdown_name);
    bool clean = ::access(marker.c_str(), F_OK) == 0;
    auto rp = read_checkpoint(join_path(_cfg.log_dir, recovery_ckpt_name));
    auto ls = read_checkpoint(join_path(_cfg.log_dir, log_start_ckpt_name));
    auto co = read_checkpoint(join_path(_cfg.log_dir, cleaner_ckpt_name));
    // A damaged checkpoint only costs a fuller recovery (recovery point 0) or a lower log start.
    if (!rp) logger->warn("{}; recovering every segment", rp.error().message);
    if (!ls) logger->warn("{}", ls.error().message);
    if (!co) logger->warn("{}", co.error().message);
    if (!rp) clean = false;
    auto lookup = [](const result<tp_offsets>& m, const std::string& t, int32_t p) -> std::optional<int64_t> {
        if (!m) return std::nullopt;
        auto it = m->find({t, p});
        if (it == m->end()) return std::nullopt;
        return it->second;
    };

    for (const auto& e : fs::directory_iterator(topics_dir(), ec)) {
        std::string name = e.path().filename().string();
        if (name.size() > 4 && name.substr(name.size() - 4) == ".tmp") {
            fs::remove(e.path(), ec);
            continue;
        }
        auto text = read_small_file(e.path().string());
        if (!text) return fail(std::move(text.error()));
        auto meta = decode_meta(*text, e.path().string());
        if (!meta) return fail(std::move(meta.error()));
        auto cfg = topic_config::with_overrides(_defaults, meta->overrides);
        if (!cfg) {
            logger->error("topic {}: {}; ignoring invalid overrides", name, cfg.error().message);
            topic_config c = _defaults;
            for (const auto& [k, v] : meta->overrides)
                if (auto r = c.set(k, v); !r) logger->error("topic {}: dropping {}={}", name, k, v);
            cfg = std::move(c);
        }
        topic_state ts;
        ts.cfg = std::make_shared<const topic_config>(std::move(*cfg));
        for (int32_t p = 0; p < meta->partitions; ++p) {
            log_open_state st;
            st.clean_shutdown = clean;
            st.recovery_point = lookup(rp, name, p);
            st.log_start = lookup(ls, name, p);
            st.cleaner_offset = lookup(co, name, p);
            auto l = open_log(name, p, ts.cfg, st);
            if (!l) return fail(std::move(l.error()));
            ts.parts.push_back(std::move(*l));
        }
        _topics.emplace(name, std::move(ts));
    }
    // Directories no topic claims: partitions of a deleted topic, or of a create/add_partitions
    // that crashed before its metadata was written.
    for (const auto& e : fs::directory_iterator(_cfg.log_dir, ec)) {
        if (!e.is_directory()) continue;
        std::string n = e.path().filename().string();
        if (n.empty() || n[0] == '.') continue;
        bool orphan = true;
        auto dash = n.rfind('-');
        if (dash != std::string::npos && dash + 1 < n.size() &&
            n.find_first_not_of("0123456789", dash + 1) == std::string::npos) {
            auto it = _topics.find(n.substr(0, dash));
            int32_t p = std::atoi(n.c_str() + dash + 1);
            orphan = it == _topics.end() || p >= int32_t(it->second.parts.size());
        }
        if (orphan) {
            logger->warn("removing {}: no topic claims it", e.path().string());
            fs::remove_all(e.path(), ec);
        }
    }
    if (clean) {
        ::unlink(marker.c_str());
        (void)fsync_dir(_cfg.log_dir);
    }
    write_recovery_checkpoint();
    logger->info("opened log dir {}: {} topic(s){}", _cfg.log_dir, _topics.size(),
                 clean || _topics.empty() ? "" : " (recovered after an unclean shutdown)");
    _bg = std::thread([this] { bg_loop(); });
    _started = true;
    return {};
}

result<> manager_impl::create_topic(const std::string& name, int32_t partitions,
                                    const std::map<std::string, std::string>& configs) {
    if (auto r = validate_topic_name(name); !r) return r;
    if (partitions == -1) partitions = _cfg.default_partitions;
    if (partitions <= 0)
        return fail(errc::invalid_argument, "INVALID_PARTITIONS: number of partitions must be larger than 0 (got {})",
                    partitions);
    auto cfg = topic_config::with_overrides(_defaults, configs);
    if (!cfg) return fail(std::move(cfg.error()));
    std::unique_lock lk(_mu);
    if (_closed.load()) return fail(errc::unavailable, "log manager is closed");
    if (_topics.count(name)) return fail(errc::already_exists, "TOPIC_ALREADY_EXISTS: topic '{}' already exists", name);
    topic_state ts;
    ts.cfg = std::make_shared<const topic_config>(std::move(*cfg));
    auto undo = [&] {
        for (auto& l : ts.parts)
            l->close_for_delete();
        std::error_code ec;
        for (int32_t p = 0; p < partitions; ++p)
            fs::remove_all(partition_dir(name, p), ec);
    };
    for (int32_t p = 0; p < partitions; ++p) {
        std::error_code ec;
        fs::remove_all(partition_dir(name, p), ec); // an orphan of a crashed create would otherwise be adopted
        log_open_state st;
        st.clean_shutdown = true;
        auto l = open_log(name, p, ts.cfg, st);
        if (!l) {
            undo();
            return fail(std::move(l.error()));
        }
        ts.parts.push_back(std::move(*l));
    }
    // The metadata file is the commit point.
    if (auto r = write_meta(name, {partitions, ts.cfg->overrides}); !r) {
        undo();
        return r;
    }
    _env->logger->info("created topic {} with {} partition(s)", name, partitions);
    _topics.emplace(name, std::move(ts));
    return {};
}

result<> manager_impl::delete_topic(const std::string& name) {
    std::vector<std::pair<std::shared_ptr<disk_log>, std::string>> doomed;
    {
        std::unique_lock lk(_mu);
        auto it = _topics.find(name);
        if (it == _topics.end())
            return fail(errc::not_found, "UNKNOWN_TOPIC_OR_PARTITION: topic '{}' does not exist", name);
        if (::unlink(meta_path(name).c_str()) != 0)
            return fail(errc::io, "cannot delete {}: {}", meta_path(name), std::strerror(errno));
        (void)fsync_dir(topics_dir());
        // Rename the directories out of the way at once so the name can be reused immediately;
        // the data is removed below, outside the lock.
        std::mt19937_64 rng(std::random_device{}() ^ uint64_t(steady_ms()));
        for (auto& l : it->second.parts) {
            std::string gone = fmt::format("{}.{:016x}-delete", l->dir(), rng());
            std::error_code ec;
            fs::rename(l->dir(), gone, ec);
            doomed.emplace_back(l, ec ? l->dir() : gone);
        }
        _topics.erase(it);
    }
    (void)fsync_dir(_cfg.log_dir);
    for (auto& [l, dir] : doomed) {
        l->close_for_delete();
        std::error_code ec;
        fs::remove_all(dir, ec);
        if (ec) _env->logger->error("cannot remove {}: {}", dir, ec.message());
    }
    write_recovery_checkpoint();
    _env->logger->info("deleted topic {}", name);
    return {};
}

result<> manager_impl::add_partitions(const std::string& name, int32_t new_total) {
    std::unique_lock lk(_mu);
    auto it = _topics.find(name);
    if (it == _topics.end())
        return fail(errc::not_found, "UNKNOWN_TOPIC_OR_PARTITION: topic '{}' does not exist", name);
    auto& ts = it->second;
    int32_t have = int32_t(ts.parts.size());
    if (new_total <= have)
        return fail(errc::invalid_argument,
                    "INVALID_PARTITIONS: topic currently has {} partitions, which is higher than "
                    "or equal to the requested {}.",
                    have, new_total);
    std::vector<std::shared_ptr<disk_log>> added;
    auto undo = [&] {
        for (auto& l : added)
            l->close_for_delete();
        std::error_code ec;
        for (int32_t p = have; p < new_total; ++p)
            fs::remove_all(partition_dir(name, p), ec);
    };
    for (int32_t p = have; p < new_total; ++p) {
        std::error_code ec;
        fs::remove_all(partition_dir(name, p), ec);
        log_open_state st;
        st.clean_shutdown = true;
        auto l = open_log(name, p, ts.cfg, st);
        if (!l) {
            undo();
            return fail(std::move(l.error()));
        }
        added.push_back(std::move(*l));
    }
    if (auto r = write_meta(name, {new_total, ts.cfg->overrides}); !r) {
        undo();
        return r;
    }
    ts.parts.insert(ts.parts.end(), added.begin(), added.end());
    return {};
}

result<> manager_impl::alter_topic_config(const std::string& name,
                                          const std::map<std::string, std::optional<std::string>>& set_or_delete,
                                          bool incremental) {
    std::unique_lock lk(_mu);
    auto it = _topics.find(name);
    if (it == _topics.end())
        return fail(errc::not_found, "UNKNOWN_TOPIC_OR_PARTITION: topic '{}' does not exist", name);
    auto& ts = it->second;
    // AlterConfigs replaces the whole override set; IncrementalAlterConfigs edits it (a nullopt
    // value deletes the override, reverting to the broker default).
    std::map<std::string, std::string> overrides =
        incremental ? ts.cfg->overrides : std::map<std::string, std::string>{};
    for (const auto& [k, v] : set_or_delete) {
        if (v)
            overrides[k] = *v;
        else
            overrides.erase(k);
    }
    for (const auto& [k, v] : set_or_delete)
        if (!v && std::find(topic_config::known_keys().begin(), topic_config::known_keys().end(), k) ==
                      topic_config::known_keys().end())
            return fail(errc::invalid_argument, "INVALID_CONFIG: unknown topic configuration '{}'", k);
    auto cfg = topic_config::with_overrides(_defaults, overrides);
    if (!cfg) return fail(std::move(cfg.error()));
    if (auto r = write_meta(name, {int32_t(ts.parts.size()), cfg->overrides}); !r) return r;
    ts.cfg = std::make_shared<const topic_config>(std::move(*cfg));
    for (auto& l : ts.parts)
        l->set_config(ts.cfg);
    return {};
}

void manager_impl::write_recovery_checkpoint() {
    tp_offsets m;
    for (const auto& l : all_logs())
        m[{l->topic(), l->partition_index()}] = l->recovery_point();
    std::lock_guard lk(_ckpt_mu);
    if (auto r = write_checkpoint(join_path(_cfg.log_dir, recovery_ckpt_name), m); !r)
        _env->logger->error("{}", r.error().message);
}

void manager_impl::write_log_start_checkpoint() {
    tp_offsets m;
    for (const auto& l : all_logs())
        m[{l->topic(), l->partition_index()}] = l->log_start_offset();
    std::lock_guard lk(_ckpt_mu);
    if (auto r = write_checkpoint(join_path(_cfg.log_dir, log_start_ckpt_name), m); !r)
        _env->logger->error("{}", r.error().message);
}

void manager_impl::write_cleaner_checkpoint() {
    tp_offsets m;
    for (const auto& l : all_logs())
        if (l->config()->cleanup_compact) m[{l->topic(), l->partition_index()}] = l->cleaner_offset();
    std::lock_guard lk(_ckpt_mu);
    if (auto r = write_checkpoint(join_path(_cfg.log_dir, cleaner_ckpt_name), m); !r)
        _env->logger->error("{}", r.error().message);
}

void manager_impl::maintenance(bool retention, bool compaction) {
    std::lock_guard lk(_maint_mu);
    auto logs = all_logs();
    int64_t now = _env->clock();
    if (retention)
        for (auto& l : logs) {
            if (_env->stopping.load()) return;
            if (auto r = l->apply_retention(now); !r)
                _env->logger->error("{}: retention: {}", l->name(), r.error().message);
        }
    if (compaction)
        for (auto& l : logs) {
            if (_env->stopping.load()) return;
            (void)l->compact(_env->clock()); // failures are logged by compact() itself
        }
}

void manager_impl::run_maintenance_now() {
    if (_closed.load()) return;
    int64_t steady = steady_ms();
    for (auto& l : all_logs())
        (void)l->maybe_flush(steady, _cfg.periodic_flush_ms);
    maintenance(true, true);
}

void manager_impl::bg_loop() {
    int64_t tick =
        std::max<int64_t>(10, std::min({_cfg.flush_scheduler_interval_ms, _cfg.retention_check_interval_ms,
                                        _cfg.cleaner_backoff_ms, _cfg.recovery_point_checkpoint_interval_ms}));
    int64_t start = steady_ms();
    int64_t last_flush = start, last_ckpt = start, last_retention = start, last_clean = start;
    while (true) {
        {
            std::unique_lock lk(_bg_mu);
            _bg_cv.wait_for(lk, std::chrono::milliseconds(tick), [this] { return _stop; });
            if (_stop) return;
        }
        int64_t now = steady_ms();
        if (now - last_flush >= _cfg.flush_scheduler_interval_ms) {
            last_flush = now;
            for (auto& l : all_logs())
                if (auto r = l->maybe_flush(now, _cfg.periodic_flush_ms); !r)
                    _env->logger->error("{}: {}", l->name(), r.error().message);
        }
        if (now - last_ckpt >= _cfg.recovery_point_checkpoint_interval_ms) {
            last_ckpt = now;
            write_recovery_checkpoint();
        }
        bool ret = now - last_retention >= _cfg.retention_check_interval_ms;
        bool cl = now - last_clean >= _cfg.cleaner_backoff_ms;
        if (ret) last_retention = now;
        if (cl) last_clean = now;
        if (ret || cl) maintenance(ret, cl);
    }
}

void manager_impl::close() {
    if (_closed.exchange(true)) return;
    _env->stopping = true;
    {
        std::lock_guard lk(_bg_mu);
        _stop = true;
    }
    _bg_cv.notify_all();
    if (_bg.joinable()) _bg.join();
    if (!_started) {
        _lock.reset();
        return; // a failed open must not claim a clean shutdown
    }
    bool ok = true;
    for (auto& l : all_logs())
        if (auto r = l->close(); !r) {
            ok = false;
            _env->logger->error("{}: close: {}", l->name(), r.error().message);
        }
    write_recovery_checkpoint();
    write_log_start_checkpoint();
    write_cleaner_checkpoint();
    if (ok) {
        if (auto r = write_file_atomic(join_path(_cfg.log_dir, clean_shutdown_name), "clean\n"); !r)
            _env->logger->error("{}", r.error().message);
    }
    _env->logger->info("closed log dir {}", _cfg.log_dir);
    _lock.reset();
}

} // namespace

result<std::unique_ptr<log_manager>> log_manager::open(log_manager_config cfg) {
    if (cfg.log_dir.empty()) return fail(errc::invalid_argument, "log_dir must be set");
    auto m = std::make_unique<manager_impl>(std::move(cfg));
    if (auto r = m->init(); !r) return fail(std::move(r.error()));
    return std::unique_ptr<log_manager>(std::move(m));
}

} // namespace ferry::broker::storage
