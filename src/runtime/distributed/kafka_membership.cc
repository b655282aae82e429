#include "runtime/distributed/kafka_membership.hpp"

#include "base/log.hpp"

#include <fmt/format.h>

namespace ferry::runtime {

namespace proto = broker::proto;
namespace grp = kafka::group;
using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {
log::logger_ptr logger() {
    static auto l = log::get("runtime.group");
    return l;
}
} // namespace

kafka_membership::kafka_membership(kafka_membership_config cfg, std::function<void()> wake,
                                   std::function<config_snapshot()> refresh)
    : _cfg(std::move(cfg)), _wake(std::move(wake)), _refresh(std::move(refresh)),
      _assignor(_cfg.scheduled_rebalance_max_delay_ms) {
    _heartbeat = std::thread([this] { heartbeat_loop(); });
}

kafka_membership::~kafka_membership() {
    {
        std::lock_guard g(_mu);
        _stop = true;
    }
    _cv.notify_all();
    if (_heartbeat.joinable()) _heartbeat.join();
}

std::vector<std::pair<std::string, int>> kafka_membership::bootstrap() const {
    std::vector<std::pair<std::string, int>> out;
    size_t pos = 0;
    auto& s = _cfg.bootstrap_servers;
    while (pos < s.size()) {
        auto comma = s.find(',', pos);
        auto hp = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        auto scheme = hp.find("://");
        if (scheme != std::string::npos) hp = hp.substr(scheme + 3);
        auto colon = hp.rfind(':');
        if (colon != std::string::npos) out.emplace_back(hp.substr(0, colon), std::atoi(hp.c_str() + colon + 1));
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

void kafka_membership::request_rejoin() {
    _need_rejoin = true;
    _wake();
}

std::map<std::string, std::string> kafka_membership::member_urls() const {
    std::lock_guard g(_mu);
    return _member_urls;
}

std::map<std::string, grp::work_set> kafka_membership::leader_view() const {
    std::lock_guard g(_mu);
    return _leader_view;
}

std::optional<std::string> kafka_membership::owner_url(const std::string& connector, std::optional<int32_t> task) const {
    std::lock_guard g(_mu);
    for (auto& [id, w] : _leader_view) {
        bool owns = task ? w.tasks.count({connector, *task}) > 0 : w.connectors.count(connector) > 0;
        if (owns)
            if (auto it = _member_urls.find(id); it != _member_urls.end()) return it->second;
    }
    return std::nullopt;
}

result<> kafka_membership::ensure_coordinator() {
    if (_coordinator) return {};
    std::string last = "no bootstrap servers";
    for (auto& [host, port] : bootstrap()) {
        auto c = grp::connection::open(host, port, _cfg.security, _cfg.client_id, 10s);
        if (!c) {
            last = c.error().message;
            continue;
        }
        auto v = (*c)->version_for(proto::api_key::find_coordinator, 0, 2);
        if (!v) return fail(errc::unavailable, "the broker does not support FindCoordinator");
        proto::find_coordinator_request req;
        req.key = _cfg.group_id;
        auto resp = (*c)->call<proto::find_coordinator_request, proto::find_coordinator_response>(
            proto::api_key::find_coordinator, *v, req, 10s);
        if (!resp) {
            last = resp.error().message;
            continue;
        }
        if (resp->error_code) {
            last = fmt::format("FindCoordinator: {}", proto::error_name(resp->error_code));
            continue;
        }
        auto coord = grp::connection::open(resp->host, resp->port, _cfg.security, _cfg.client_id, 10s);
        if (!coord) {
            last = coord.error().message;
            continue;
        }
        _coordinator = std::move(*coord);
        std::lock_guard g(_mu);
        _coordinator_host = resp->host;
        _coordinator_port = resp->port;
        logger()->info("Group coordinator for {} is {}:{}", _cfg.group_id, resp->host, resp->port);
        return {};
    }
    return fail(errc::unavailable, "cannot find the group coordinator: {}", last);
}

std::optional<member_assignment> kafka_membership::poll(const config_snapshot& snapshot) {
    auto now = clock::now();
    {
        // The heartbeat thread declares the loss too, but it may sit in a connect or a call to a
        // coordinator that stopped answering; the deadline is checked here as well so it is kept
        // within one herder tick whatever that thread is doing.
        std::lock_guard g(_mu);
        if (!_rebalancing && now - _last_heartbeat_ok > half_session()) mark_lost_locked();
    }
    if (_lost && !_reported_lost) {
        // Give everything up before anyone else can be handed it; then rejoin from scratch.
        logger()->error("Lost contact with the group coordinator for more than half the session timeout: stopping "
                        "every connector and task of this worker until it rejoins the group");
        _reported_lost = true;
        _current = {};
        std::lock_guard g(_mu);
        _joined = false;
        _coordinator.reset();
        member_assignment empty;
        empty.generation = _generation;
        _last = empty;
        return empty;
    }
    if (now >= _rejoin_at) {
        _rejoin_at = clock::time_point::max();
        _need_rejoin = true;
    }
    if (!_need_rejoin && !_lost) return std::nullopt;
    if (now < _retry_at) return std::nullopt;
    _rebalancing = true;
    auto r = join_and_sync(snapshot);
    _rebalancing = false;
    if (!r) {
        logger()->warn("Group membership: {} (retrying)", r.error().message);
        _retry_at = clock::now() + std::chrono::milliseconds(std::max<int64_t>(_cfg.retry_backoff_ms, 500));
        return std::nullopt;
    }
    _lost = false;
    _reported_lost = false;
    if (_last && *_last == *r) return std::nullopt;
    _last = *r;
    return *r;
}

result<member_assignment> kafka_membership::join_and_sync(const config_snapshot& snap_in) {
    if (auto r = ensure_coordinator(); !r) return fail(r.error());
    auto& c = *_coordinator;
    auto join_v = c.version_for(proto::api_key::join_group, 0, 5);
    auto sync_v = c.version_for(proto::api_key::sync_group, 0, 3);
    if (!join_v || !sync_v) return fail(errc::unavailable, "the broker does not support JoinGroup/SyncGroup");

    std::vector<int16_t> offered;
    if (_cfg.protocol == "sessioned") offered = {2, 1, 0};
    else if (_cfg.protocol == "compatible") offered = {1, 0};
    else offered = {0};
    config_snapshot snap = snap_in;

    for (int attempt = 0; attempt < 10; attempt++) {
        proto::join_group_request jr;
        jr.group_id = _cfg.group_id;
        jr.session_timeout_ms = _cfg.session_timeout_ms;
        jr.rebalance_timeout_ms = _cfg.rebalance_timeout_ms;
        {
            std::lock_guard g(_mu);
            jr.member_id = _member_id;
        }
        jr.protocol_type = "connect";
        for (auto v : offered) {
            grp::connect_metadata md;
            md.version = v;
            md.url = _cfg.url;
            md.config_offset = snap.offset;
            if (v >= 1) md.allocation = _current;
            jr.protocols.push_back({grp::protocol_name(v), grp::encode_metadata(md)});
        }
        _need_rejoin = false;
        auto join = c.call<proto::join_group_request, proto::join_group_response>(
            proto::api_key::join_group, *join_v, jr, std::chrono::milliseconds(_cfg.rebalance_timeout_ms + 15000));
        if (!join) {
            _coordinator.reset();
            _need_rejoin = true;
            return fail(join.error());
        }
        auto code = join->error_code;
        if (code == proto::ec::member_id_required) {
            std::lock_guard g(_mu);
            _member_id = join->member_id;
            continue;
        }
        if (code == proto::ec::unknown_member_id || code == proto::ec::illegal_generation) {
            std::lock_guard g(_mu);
            _member_id.clear();
            continue;
        }
        if (code == proto::ec::not_coordinator || code == proto::ec::coordinator_not_available) {
            _coordinator.reset();
            _need_rejoin = true;
            return fail(errc::unavailable, "JoinGroup: {}", proto::error_name(code));
        }
        if (code) {
            _need_rejoin = true;
            return fail(errc::unavailable, "JoinGroup: {}", proto::error_name(code));
        }
        auto version = grp::protocol_version(join->protocol_name).value_or(0);
        bool leader = join->leader == join->member_id;
        {
            std::lock_guard g(_mu);
            _member_id = join->member_id;
            _generation = join->generation_id;
        }

        proto::sync_group_request sr;
        sr.group_id = _cfg.group_id;
        sr.generation_id = join->generation_id;
        sr.member_id = join->member_id;
        if (leader) {
            grp::assignor_input in;
            std::map<std::string, std::string> urls;
            for (auto& m : join->members) {
                auto md = grp::decode_metadata(m.metadata);
                if (!md) return fail(md.error());
                if (md->config_offset > snap.offset) snap = _refresh(); // catch up before assigning
                urls[m.member_id] = md->url;
                in.members.push_back({m.member_id, *md});
            }
            for (auto& [name, _] : snap.connectors) in.connectors.insert(name);
            for (auto& [name, tasks] : snap.tasks)
                if (snap.connectors.count(name))
                    for (int32_t i = 0; i < (int32_t)tasks.size(); i++) in.tasks.insert({name, i});
            in.leader_id = join->member_id;
            in.leader_url = _cfg.url;
            in.leader_config_offset = snap.offset;
            in.version = version;
            in.now = clock::now();
            auto assignments = _assignor.assign(in);
            std::map<std::string, grp::work_set> view;
            for (auto& [id, a] : assignments) {
                sr.assignments.push_back({id, grp::encode_assignment(a)});
                auto running = in.members.end();
                for (auto it = in.members.begin(); it != in.members.end(); ++it)
                    if (it->id == id) running = it;
                grp::work_set w = running != in.members.end() && running->metadata.allocation && version >= 1
                                      ? *running->metadata.allocation
                                      : grp::work_set{};
                for (auto& x : a.revoked.connectors) w.connectors.erase(x);
                for (auto& x : a.revoked.tasks) w.tasks.erase(x);
                w.connectors.insert(a.assigned.connectors.begin(), a.assigned.connectors.end());
                w.tasks.insert(a.assigned.tasks.begin(), a.assigned.tasks.end());
                view[id] = w;
            }
            std::lock_guard g(_mu);
            _member_urls = urls;
            _leader_view = view;
        }
        auto sync = c.call<proto::sync_group_request, proto::sync_group_response>(
            proto::api_key::sync_group, *sync_v, sr, std::chrono::milliseconds(_cfg.rebalance_timeout_ms + 15000));
        if (!sync) {
            _coordinator.reset();
            _need_rejoin = true;
            return fail(sync.error());
        }
        if (sync->error_code == proto::ec::rebalance_in_progress) continue;
        if (sync->error_code == proto::ec::unknown_member_id || sync->error_code == proto::ec::illegal_generation) {
            std::lock_guard g(_mu);
            _member_id.clear();
            continue;
        }
        if (sync->error_code) {
            _need_rejoin = true;
            return fail(errc::unavailable, "SyncGroup: {}", proto::error_name(sync->error_code));
        }
        auto a = grp::decode_assignment(sync->assignment);
        if (!a) return fail(a.error());
        if (a->error == grp::assignment_config_mismatch) {
            // The leader knew a newer config than we do (or was behind): catch up and rejoin.
            snap = _refresh();
            continue;
        }
        if (version == 0) {
            _current = a->assigned;
        } else {
            for (auto& x : a->revoked.connectors) _current.connectors.erase(x);
            for (auto& x : a->revoked.tasks) _current.tasks.erase(x);
            _current.connectors.insert(a->assigned.connectors.begin(), a->assigned.connectors.end());
            _current.tasks.insert(a->assigned.tasks.begin(), a->assigned.tasks.end());
            // Released work is handed out in a follow-up round, as soon as we have let it go.
            if (!a->revoked.empty()) _need_rejoin = true;
            if (a->delay > 0) _rejoin_at = clock::now() + std::chrono::milliseconds(a->delay);
        }
        {
            std::lock_guard g(_mu);
            _joined = true;
            _last_heartbeat_ok = clock::now();
        }
        _cv.notify_all();
        member_assignment out;
        out.generation = join->generation_id;
        out.leader = leader;
        out.leader_url = a->leader_url;
        out.config_offset = a->config_offset;
        out.connectors = _current.connectors;
        for (auto& t : _current.tasks) out.tasks.insert({t.connector, t.task});
        logger()->info("Joined group {} generation {} as {}{} (protocol {})", _cfg.group_id, join->generation_id,
                       join->member_id, leader ? ", leader" : "", join->protocol_name);
        return out;
    }
    _need_rejoin = true;
    return fail(errc::unavailable, "could not complete a rebalance");
}

void kafka_membership::heartbeat_loop() {
    std::unique_ptr<grp::connection> conn;
    std::string conn_host;
    int conn_port = 0;
    for (;;) {
        std::string member, host;
        int32_t generation;
        int port;
        {
            std::unique_lock l(_mu);
            // Wake for the next heartbeat, or earlier at the loss deadline.
            auto wake = clock::now() + std::chrono::milliseconds(_cfg.heartbeat_interval_ms);
            if (_joined) wake = std::min(wake, _last_heartbeat_ok + half_session());
            _cv.wait_until(l, wake, [&] { return _stop; });
            if (_stop) return;
            if (!_joined || _rebalancing) continue;
            member = _member_id;
            generation = _generation;
            host = _coordinator_host;
            port = _coordinator_port;
        }
        // Connect and call wait no longer than what is left of the half session timeout: "lost"
        // must be declared on time even when the coordinator stops answering in the middle of them.
        clock::time_point deadline;
        {
            std::lock_guard g(_mu);
            deadline = _last_heartbeat_ok + half_session();
        }
        auto budget = [&] {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
            return std::clamp(left, std::chrono::milliseconds(100), std::chrono::milliseconds(5000));
        };
        if (!conn || conn_host != host || conn_port != port) {
            auto c = grp::connection::open(host, port, _cfg.security, _cfg.client_id + "-heartbeat", budget());
            if (c) {
                conn = std::move(*c);
                conn_host = host;
                conn_port = port;
            } else {
                conn.reset();
            }
        }
        bool ok = false;
        if (conn) {
            auto v = conn->version_for(proto::api_key::heartbeat, 0, 3).value_or(0);
            proto::heartbeat_request hr;
            hr.group_id = _cfg.group_id;
            hr.generation_id = generation;
            hr.member_id = member;
            auto resp = conn->call<proto::heartbeat_request, proto::heartbeat_response>(proto::api_key::heartbeat, v,
                                                                                        hr, budget());
            if (!resp) {
                conn.reset();
            } else if (resp->error_code == proto::ec::none) {
                ok = true;
            } else if (resp->error_code == proto::ec::rebalance_in_progress) {
                ok = true; // still a member; the herder rejoins
                if (!_need_rejoin.exchange(true)) _wake();
            } else if (resp->error_code == proto::ec::unknown_member_id ||
                       resp->error_code == proto::ec::illegal_generation ||
                       resp->error_code == proto::ec::fenced_instance_id) {
                // The answer is about the generation and member id this heartbeat carried. If the
                // herder rejoined while it was in flight (a rebalance right after a connector was
                // created or deleted), that membership is already replaced by a valid one: the
                // error is stale and says nothing about what this worker runs now. Otherwise our
                // membership is gone and whatever we run may already be given to others.
                bool stale;
                {
                    std::lock_guard g(_mu);
                    stale = _rebalancing || generation != _generation || member != _member_id;
                    if (!stale) {
                        if (resp->error_code == proto::ec::unknown_member_id) _member_id.clear();
                        _joined = false;
                    }
                }
                if (stale) {
                    ok = true;
                } else {
                    logger()->warn("Heartbeat of generation {}: {}; this worker is no longer a member of group {}",
                                   generation, proto::error_name(resp->error_code), _cfg.group_id);
                    _lost = true;
                    _need_rejoin = true;
                    _wake();
                }
            } else if (resp->error_code == proto::ec::not_coordinator ||
                       resp->error_code == proto::ec::coordinator_not_available) {
                conn.reset();
            }
        }
        std::lock_guard g(_mu);
        auto now = clock::now();
        if (ok) {
            _last_heartbeat_ok = now;
        } else if (now - _last_heartbeat_ok >= half_session()) {
            if (mark_lost_locked()) _wake();
        }
    }
}

// A joined member whose heartbeats stopped succeeding gives up its membership (see the header);
// true when it was joined. Caller holds _mu.
bool kafka_membership::mark_lost_locked() {
    if (!_joined) return false;
    _joined = false;
    _lost = true;
    _need_rejoin = true;
    return true;
}

void kafka_membership::leave() {
    std::string member;
    {
        std::lock_guard g(_mu);
        member = _member_id;
        _joined = false;
    }
    if (member.empty() || !_coordinator) return;
    auto v = _coordinator->version_for(proto::api_key::leave_group, 0, 3).value_or(0);
    proto::leave_group_request lr;
    lr.group_id = _cfg.group_id;
    lr.member_id = member;
    lr.members.push_back({member, std::nullopt});
    auto r = _coordinator->call<proto::leave_group_request, proto::leave_group_response>(proto::api_key::leave_group, v,
                                                                                          lr, 5s);
    if (!r) logger()->warn("LeaveGroup: {}", r.error().message);
    else logger()->info("Left group {}", _cfg.group_id);
}

} // namespace ferry::runtime
