#include "broker/group_coordinator.hpp"

#include "base/log.hpp"
#include "broker/bytes_codec.hpp"
#include "broker/protocol/api.hpp"

#include <algorithm>
#include <chrono>
#include <random>

namespace ferry::broker {

namespace ec = proto::ec;

namespace {

auto logger() {
    static auto l = ferry::log::get("broker");
    return l;
}

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string random_uuid() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    uint64_t a = rng(), b = rng();
    a = (a & ~0xf000ULL) | 0x4000ULL; // version 4
    b = (b & ~(0xc000ULL << 48)) | (0x8000ULL << 48);
    char buf[40];
    snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
             static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
             static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return buf;
}

constexpr char sep = '\0';

std::string group_key(const std::string& gid) {
    return std::string("g") + sep + gid;
}
std::string offset_key(const std::string& gid, const std::string& topic, int32_t p) {
    return std::string("o") + sep + gid + sep + topic + sep + std::to_string(p);
}
std::string txn_offset_key(const std::string& gid, int64_t pid, const std::string& topic, int32_t p) {
    return std::string("x") + sep + gid + sep + std::to_string(pid) + sep + topic + sep + std::to_string(p);
}

std::vector<std::string> split_key(const std::string& k) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        size_t pos = k.find(sep, start);
        if (pos == std::string::npos) {
            parts.push_back(k.substr(start));
            return parts;
        }
        parts.push_back(k.substr(start, pos - start));
        start = pos + 1;
    }
}

} // namespace

struct group_coordinator::member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id, client_host;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;
    std::string protocol_type;
    std::vector<proto::join_group_request::protocol> protocols;
    std::string assignment;
    std::function<void(proto::join_group_response)> awaiting_join;
    std::function<void(proto::sync_group_response)> awaiting_sync;
    uint64_t session_timer = 0;
    uint64_t session_token = 0;

    const std::string* metadata_for(const std::string& protocol) const {
        for (auto& p : protocols)
            if (p.name == protocol) return &p.metadata;
        return nullptr;
    }
};

struct group_coordinator::group {
    std::string id;
    state st = state::empty;
    int32_t generation = 0;
    std::string protocol_type;
    std::string protocol;
    std::string leader;
    std::map<std::string, std::unique_ptr<member>> members;
    std::map<std::string, std::string> static_members; // instance id -> member id
    std::map<std::string, uint64_t> pending;           // member ids handed out with MEMBER_ID_REQUIRED
    uint64_t join_token = 0;
    uint64_t join_timer = 0;
    bool initial_delay_active = false;
    bool new_member_added = false;
    std::set<std::string> pending_sync;
    uint64_t sync_timer = 0;
    int64_t state_since_ms = 0;
    std::map<std::pair<std::string, int32_t>, offset_entry> offsets;
    std::map<int64_t, std::map<std::pair<std::string, int32_t>, offset_entry>> txn_offsets;

    int32_t max_rebalance_timeout() const {
        int32_t t = 0;
        for (auto& [_, m] : members)
            t = std::max(t, m->rebalance_timeout_ms);
        return t;
    }
    void set_state(state s) {
        st = s;
        state_since_ms = wall_ms();
    }
};

static uint64_t next_token() {
    static std::atomic<uint64_t> t{1};
    return t++;
}

group_coordinator::group_coordinator(group_config cfg, executor& exec, state_journal& journal,
                                     std::function<bool(const std::string&, int32_t)> partition_exists)
    : _cfg(cfg), _exec(exec), _journal(journal), _partition_exists(std::move(partition_exists)) {}

group_coordinator::~group_coordinator() = default;

const char* group_coordinator::state_name(state s) {
    switch (s) {
    case state::empty:
        return "Empty";
    case state::preparing_rebalance:
        return "PreparingRebalance";
    case state::completing_rebalance:
        return "CompletingRebalance";
    case state::stable:
        return "Stable";
    case state::dead:
        return "Dead";
    }
    return "Dead";
}

group_coordinator::group* group_coordinator::find(const std::string& id) {
    auto it = _groups.find(id);
    return it == _groups.end() ? nullptr : it->second.get();
}

group_coordinator::group& group_coordinator::get_or_create(const std::string& id) {
    auto& g = _groups[id];
    if (!g) {
        g = std::make_unique<group>();
        g->id = id;
        g->state_since_ms = wall_ms();
    }
    return *g;
}

void group_coordinator::load() {
    int64_t now = wall_ms();
    size_t offsets = 0;
    for (auto& [k, v] : _journal.entries()) {
        auto parts = split_key(k);
        if (parts.empty()) continue;
        if (parts[0] == "g" && parts.size() == 2) {
            bytes_reader r(v);
            auto& g = get_or_create(parts[1]);
            g.generation = r.i32();
            g.protocol_type = r.str();
            g.state_since_ms = now;
        } else if (parts[0] == "o" && parts.size() == 4) {
            bytes_reader r(v);
            offset_entry e;
            e.offset = r.i64();
            e.leader_epoch = r.i32();
            e.metadata = r.str();
            e.commit_ms = r.i64();
            if (!r.ok()) continue;
            get_or_create(parts[1]).offsets[{parts[2], std::stoi(parts[3])}] = e;
            ++offsets;
        } else if (parts[0] == "x" && parts.size() == 5) {
            bytes_reader r(v);
            offset_entry e;
            e.offset = r.i64();
            e.leader_epoch = r.i32();
            e.metadata = r.str();
            e.commit_ms = r.i64();
            if (!r.ok()) continue;
            get_or_create(parts[1]).txn_offsets[std::stoll(parts[2])][{parts[3], std::stoi(parts[4])}] = e;
        }
    }
    if (!_groups.empty())
        logger()->info("loaded {} consumer groups with {} committed offsets", _groups.size(), offsets);
}

void group_coordinator::persist_group(const group& g) {
    bytes_writer w;
    w.i32(g.generation).str(g.protocol_type);
    if (auto r = _journal.put(group_key(g.id), w.take()); !r)
        logger()->error("persisting group {} failed: {}", g.id, r.error().message);
}

void group_coordinator::persist_offset(const std::string& gid, const std::string& topic, int32_t p,
                                       const offset_entry* e) {
    result<> r;
    if (e) {
        bytes_writer w;
        w.i64(e->offset).i32(e->leader_epoch).str(e->metadata).i64(e->commit_ms);
        r = _journal.put(offset_key(gid, topic, p), w.take());
    } else {
        r = _journal.erase(offset_key(gid, topic, p));
    }
    if (!r) logger()->error("persisting offset of group {} for {}-{} failed: {}", gid, topic, p, r.error().message);
}

bool group_coordinator::all_support(const group& g, const proto::join_group_request& req) const {
    if (g.members.empty()) return !req.protocol_type.empty() && !req.protocols.empty();
    if (req.protocol_type != g.protocol_type) return false;
    for (auto& p : req.protocols) {
        bool everyone = true;
        for (auto& [_, m] : g.members)
            if (!m->metadata_for(p.name)) {
                everyone = false;
                break;
            }
        if (everyone) return true;
    }
    return false;
}

std::string group_coordinator::select_protocol(const group& g) const {
    // Candidates: protocols every member supports. Each member votes for its most preferred
    // candidate; the most votes win (ties: the leader's preference, then the member order).
    std::vector<std::string> candidates;
    const member* first = g.members.empty() ? nullptr : g.members.begin()->second.get();
    auto lit = g.members.find(g.leader);
    const member* pref = lit != g.members.end() ? lit->second.get() : first;
    if (!pref) return {};
    for (auto& p : pref->protocols) {
        bool everyone = true;
        for (auto& [_, m] : g.members)
            if (!m->metadata_for(p.name)) {
                everyone = false;
                break;
            }
        if (everyone) candidates.push_back(p.name);
    }
    if (candidates.empty()) return {};
    std::map<std::string, int> votes;
    for (auto& [_, m] : g.members)
        for (auto& p : m->protocols)
            if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
                votes[p.name]++;
                break;
            }
    std::string best = candidates.front();
    for (auto& c : candidates)
        if (votes[c] > votes[best]) best = c;
    return best;
}

proto::join_group_response group_coordinator::join_response(const group& g, const member& m, int16_t error) const {
    proto::join_group_response r;
    r.error_code = error;
    r.generation_id = g.generation;
    r.protocol_name = g.protocol;
    r.leader = g.leader;
    r.member_id = m.id;
    if (m.id == g.leader) {
        for (auto& [id, mm] : g.members) {
            auto* md = mm->metadata_for(g.protocol);
            r.members.push_back({id, mm->instance_id, md ? *md : std::string()});
        }
    }
    return r;
}

void group_coordinator::schedule_session(group& g, member& m) {
    if (m.session_timer) _exec.cancel(m.session_timer);
    uint64_t tok = next_token();
    m.session_token = tok;
    std::string gid = g.id, mid = m.id;
    m.session_timer =
        _exec.schedule_after(m.session_timeout_ms, [this, gid, mid, tok] { on_session_expired(gid, mid, tok); });
}

void group_coordinator::on_session_expired(const std::string& gid, const std::string& mid, uint64_t tok) {
    auto* g = find(gid);
    if (!g) return;
    auto it = g->members.find(mid);
    if (it == g->members.end() || it->second->session_token != tok) return;
    auto& m = *it->second;
    m.session_timer = 0;
    if (m.awaiting_join || m.awaiting_sync) {
        // Kafka keeps members alive while their JoinGroup or SyncGroup is parked.
        schedule_session(*g, m);
        return;
    }
    logger()->info("group {}: member {} session expired", gid, mid);
    remove_member(*g, mid, "session timeout");
}

void group_coordinator::on_pending_expired(const std::string& gid, const std::string& mid) {
    auto* g = find(gid);
    if (!g) return;
    if (g->pending.erase(mid) && g->st == state::preparing_rebalance) try_complete_join(*g);
}

void group_coordinator::join_group(const group_request_info& info, proto::join_group_request req,
                                   std::function<void(proto::join_group_response)> cb) {
    auto fail_with = [&](int16_t e, std::string member_id = {}) {
        proto::join_group_response r;
        r.error_code = e;
        r.member_id = std::move(member_id);
        cb(std::move(r));
    };
    if (req.group_id.empty()) return fail_with(ec::invalid_group_id);
    if (req.session_timeout_ms < _cfg.min_session_timeout_ms || req.session_timeout_ms > _cfg.max_session_timeout_ms)
        return fail_with(ec::invalid_session_timeout);
    if (info.version == 0 || req.rebalance_timeout_ms <= 0) req.rebalance_timeout_ms = req.session_timeout_ms;

    auto* g = find(req.group_id);
    if (!g) {
        if (!req.member_id.empty()) return fail_with(ec::unknown_member_id);
        g = &get_or_create(req.group_id);
    }
    if (!all_support(*g, req)) return fail_with(ec::inconsistent_group_protocol);

    auto make_member = [&](std::string id) {
        auto m = std::make_unique<member>();
        m->id = std::move(id);
        m->instance_id = req.group_instance_id;
        m->client_id = info.client_id;
        m->client_host = info.client_host;
        m->session_timeout_ms = req.session_timeout_ms;
        m->rebalance_timeout_ms = req.rebalance_timeout_ms;
        m->protocol_type = req.protocol_type;
        m->protocols = req.protocols;
        return m;
    };

    if (req.member_id.empty()) {
        std::string new_id = (req.group_instance_id ? *req.group_instance_id : info.client_id) + "-" + random_uuid();
        if (req.group_instance_id) {
            auto s = g->static_members.find(*req.group_instance_id);
            if (s != g->static_members.end() && g->members.count(s->second)) {
                // A known static member restarted: it takes over the old member's place (and
                // assignment); the old id is fenced.
                std::string old_id = s->second;
                auto old = std::move(g->members[old_id]);
                g->members.erase(old_id);
                if (old->awaiting_join) old->awaiting_join(join_response(*g, *old, ec::fenced_instance_id));
                if (old->awaiting_sync) {
                    proto::sync_group_response sr;
                    sr.error_code = ec::fenced_instance_id;
                    old->awaiting_sync(std::move(sr));
                }
                if (old->session_timer) _exec.cancel(old->session_timer);
                auto m = make_member(new_id);
                m->assignment = old->assignment;
                auto& ref = *m;
                g->members[new_id] = std::move(m);
                g->static_members[*req.group_instance_id] = new_id;
                if (g->leader == old_id) g->leader = new_id;
                if (g->pending_sync.erase(old_id)) g->pending_sync.insert(new_id);
                schedule_session(*g, ref);
                if (g->st == state::stable && select_protocol(*g) == g->protocol) {
                    cb(join_response(*g, ref, ec::none));
                    return;
                }
                ref.awaiting_join = std::move(cb);
                if (g->st == state::preparing_rebalance)
                    try_complete_join(*g);
                else
                    prepare_rebalance(*g, "static member " + *req.group_instance_id + " rejoined with new metadata");
                return;
            }
            if (g->members.size() >= static_cast<size_t>(_cfg.max_group_size))
                return fail_with(ec::group_max_size_reached);
            add_member_and_rebalance(*g, make_member(new_id), std::move(cb));
            return;
        }
        if (g->members.size() >= static_cast<size_t>(_cfg.max_group_size)) return fail_with(ec::group_max_size_reached);
        if (info.version >= 4) {
            // KIP-394: hand out the id first; the member joins for real when it comes back with it.
            std::string gid = g->id;
            g->pending[new_id] =
                _exec.schedule_after(req.session_timeout_ms, [this, gid, new_id] { on_pending_expired(gid, new_id); });
            proto::join_group_response r;
            r.error_code = ec::member_id_required;
            r.member_id = new_id;
            cb(std::move(r));
            return;
        }
        add_member_and_rebalance(*g, make_member(new_id), std::move(cb));
        return;
    }

    // A member id we handed out or know.
    auto pit = g->pending.find(req.member_id);
    if (pit != g->pending.end()) {
        _exec.cancel(pit->second);
        g->pending.erase(pit);
        add_member_and_rebalance(*g, make_member(req.member_id), std::move(cb));
        return;
    }
    if (req.group_instance_id) {
        auto s = g->static_members.find(*req.group_instance_id);
        if (s != g->static_members.end() && s->second != req.member_id)
            return fail_with(ec::fenced_instance_id, req.member_id);
    }
    auto it = g->members.find(req.member_id);
    if (it == g->members.end()) return fail_with(ec::unknown_member_id, req.member_id);
    auto& m = *it->second;
    auto same_protocols = [&] {
        if (m.protocols.size() != req.protocols.size()) return false;
        for (size_t i = 0; i < m.protocols.size(); ++i)
            if (m.protocols[i].name != req.protocols[i].name || m.protocols[i].metadata != req.protocols[i].metadata)
                return false;
        return true;
    };
    switch (g->st) {
    case state::preparing_rebalance:
        update_member_and_rebalance(*g, m, req, std::move(cb));
        return;
    case state::completing_rebalance:
        if (same_protocols()) {
            // The member probably missed the JoinGroup response: repeat it.
            cb(join_response(*g, m, ec::none));
            return;
        }
        update_member_and_rebalance(*g, m, req, std::move(cb));
        return;
    case state::stable:
        if (m.id == g->leader || !same_protocols()) {
            update_member_and_rebalance(*g, m, req, std::move(cb));
            return;
        }
        schedule_session(*g, m);
        cb(join_response(*g, m, ec::none));
        return;
    case state::empty:
    case state::dead:
        return fail_with(ec::unknown_member_id, req.member_id);
    }
}

void group_coordinator::add_member_and_rebalance(group& g, std::unique_ptr<member> m,
                                                 std::function<void(proto::join_group_response)> cb) {
    if (g.members.empty()) g.protocol_type = m->protocol_type;
    m->awaiting_join = std::move(cb);
    if (m->instance_id) g.static_members[*m->instance_id] = m->id;
    if (g.st == state::preparing_rebalance && g.initial_delay_active) g.new_member_added = true;
    auto& ref = *m;
    g.members[m->id] = std::move(m);
    schedule_session(g, ref);
    maybe_prepare_rebalance(g, "member " + ref.id + " joined");
}

void group_coordinator::update_member_and_rebalance(group& g, member& m, const proto::join_group_request& req,
                                                    std::function<void(proto::join_group_response)> cb) {
    m.protocols = req.protocols;
    m.session_timeout_ms = req.session_timeout_ms;
    m.rebalance_timeout_ms = req.rebalance_timeout_ms;
    m.awaiting_join = std::move(cb);
    schedule_session(g, m);
    maybe_prepare_rebalance(g, "member " + m.id + " rejoined");
}

void group_coordinator::maybe_prepare_rebalance(group& g, const std::string& reason) {
    if (g.st == state::preparing_rebalance) {
        try_complete_join(g);
        return;
    }
    if (g.st == state::stable || g.st == state::completing_rebalance || g.st == state::empty)
        prepare_rebalance(g, reason);
}

void group_coordinator::prepare_rebalance(group& g, const std::string& reason) {
    if (g.st == state::completing_rebalance) {
        for (auto& [_, m] : g.members) {
            m->assignment.clear();
            if (m->awaiting_sync) {
                proto::sync_group_response r;
                r.error_code = ec::rebalance_in_progress;
                auto cb = std::move(m->awaiting_sync);
                m->awaiting_sync = nullptr;
                cb(std::move(r));
            }
        }
    }
    g.pending_sync.clear();
    if (g.sync_timer) _exec.cancel(g.sync_timer);
    g.sync_timer = 0;
    bool initial = g.st == state::empty;
    g.set_state(state::preparing_rebalance);
    logger()->info("group {}: preparing rebalance (generation {}): {}", g.id, g.generation, reason);
    if (g.join_timer) _exec.cancel(g.join_timer);
    uint64_t tok = next_token();
    g.join_token = tok;
    std::string gid = g.id;
    int32_t max_rebalance = std::max(g.max_rebalance_timeout(), 1);
    if (initial && _cfg.initial_rebalance_delay_ms > 0) {
        int32_t delay = std::min(_cfg.initial_rebalance_delay_ms, max_rebalance);
        int32_t remaining = max_rebalance - delay;
        g.initial_delay_active = true;
        g.new_member_added = false;
        g.join_timer =
            _exec.schedule_after(delay, [this, gid, tok, remaining] { on_initial_delay(gid, tok, remaining); });
        return;
    }
    g.initial_delay_active = false;
    g.join_timer = _exec.schedule_after(max_rebalance, [this, gid, tok] { on_rebalance_timeout(gid, tok); });
    try_complete_join(g);
}

void group_coordinator::on_initial_delay(const std::string& gid, uint64_t tok, int32_t remaining) {
    auto* g = find(gid);
    if (!g || g->join_token != tok || g->st != state::preparing_rebalance) return;
    if (g->new_member_added && remaining > 0) {
        // Newcomers keep arriving: wait another delay (bounded by the rebalance timeout), so a
        // group of consumers starting together gets one rebalance instead of one per member.
        g->new_member_added = false;
        int32_t delay = std::min(_cfg.initial_rebalance_delay_ms, remaining);
        int32_t rest = remaining - delay;
        uint64_t t2 = next_token();
        g->join_token = t2;
        g->join_timer = _exec.schedule_after(delay, [this, gid, t2, rest] { on_initial_delay(gid, t2, rest); });
        return;
    }
    g->initial_delay_active = false;
    g->join_timer = 0;
    complete_join(*g);
}

void group_coordinator::on_rebalance_timeout(const std::string& gid, uint64_t tok) {
    auto* g = find(gid);
    if (!g || g->join_token != tok || g->st != state::preparing_rebalance) return;
    g->join_timer = 0;
    complete_join(*g);
}

void group_coordinator::try_complete_join(group& g) {
    if (g.st != state::preparing_rebalance || g.initial_delay_active) return;
    if (!g.pending.empty()) return;
    for (auto& [_, m] : g.members)
        if (!m->awaiting_join) return;
    complete_join(g);
}

void group_coordinator::complete_join(group& g) {
    if (g.join_timer) _exec.cancel(g.join_timer);
    g.join_timer = 0;
    g.join_token = next_token();
    g.initial_delay_active = false;
    // Members that did not rejoin in time leave the group.
    std::vector<std::string> gone;
    for (auto& [id, m] : g.members)
        if (!m->awaiting_join) gone.push_back(id);
    for (auto& id : gone) {
        auto& m = *g.members[id];
        logger()->info("group {}: removing member {} which did not rejoin in time", g.id, id);
        if (m.session_timer) _exec.cancel(m.session_timer);
        if (m.instance_id) g.static_members.erase(*m.instance_id);
        g.members.erase(id);
    }
    g.generation++;
    if (g.members.empty()) {
        g.protocol.clear();
        g.leader.clear();
        g.set_state(state::empty);
        persist_group(g);
        logger()->info("group {}: generation {} is empty", g.id, g.generation);
        return;
    }
    if (!g.members.count(g.leader)) g.leader = g.members.begin()->first;
    g.protocol = select_protocol(g);
    g.set_state(state::completing_rebalance);
    persist_group(g);
    logger()->info("group {}: generation {} with {} members, protocol {}, leader {}", g.id, g.generation,
                   g.members.size(), g.protocol, g.leader);
    g.pending_sync.clear();
    for (auto& [id, m] : g.members) {
        g.pending_sync.insert(id);
        auto cb = std::move(m->awaiting_join);
        m->awaiting_join = nullptr;
        schedule_session(g, *m);
        cb(join_response(g, *m, ec::none));
    }
    std::string gid = g.id;
    int32_t gen = g.generation;
    g.sync_timer =
        _exec.schedule_after(std::max(g.max_rebalance_timeout(), 1), [this, gid, gen] { on_sync_timeout(gid, gen); });
}

void group_coordinator::on_sync_timeout(const std::string& gid, int32_t generation) {
    auto* g = find(gid);
    if (!g || g->generation != generation) return;
    g->sync_timer = 0;
    if (g->st != state::completing_rebalance && g->st != state::stable) return;
    if (g->pending_sync.empty()) return;
    std::vector<std::string> late(g->pending_sync.begin(), g->pending_sync.end());
    for (auto& id : late) {
        if (!g->members.count(id)) continue;
        logger()->info("group {}: member {} did not send SyncGroup in time", gid, id);
        remove_member(*g, id, "no SyncGroup within the rebalance timeout");
        g = find(gid);
        if (!g) return;
    }
}

void group_coordinator::remove_member(group& g, const std::string& mid, const std::string& reason) {
    auto it = g.members.find(mid);
    if (it == g.members.end()) return;
    auto m = std::move(it->second);
    g.members.erase(it);
    if (m->session_timer) _exec.cancel(m->session_timer);
    if (m->instance_id) {
        auto s = g.static_members.find(*m->instance_id);
        if (s != g.static_members.end() && s->second == mid) g.static_members.erase(s);
    }
    g.pending_sync.erase(mid);
    if (m->awaiting_join) m->awaiting_join(join_response(g, *m, ec::unknown_member_id));
    if (m->awaiting_sync) {
        proto::sync_group_response r;
        r.error_code = ec::unknown_member_id;
        m->awaiting_sync(std::move(r));
    }
    switch (g.st) {
    case state::preparing_rebalance:
        try_complete_join(g);
        break;
    case state::stable:
    case state::completing_rebalance:
        prepare_rebalance(g, "member " + mid + " left: " + reason);
        break;
    default:
        break;
    }
}

void group_coordinator::sync_group(const group_request_info& info, proto::sync_group_request req,
                                   std::function<void(proto::sync_group_response)> cb) {
    auto fail_with = [&](int16_t e) {
        proto::sync_group_response r;
        r.error_code = e;
        cb(std::move(r));
    };
    auto* g = find(req.group_id);
    if (!g) return fail_with(ec::unknown_member_id);
    if (req.group_instance_id) {
        auto s = g->static_members.find(*req.group_instance_id);
        if (s != g->static_members.end() && s->second != req.member_id) return fail_with(ec::fenced_instance_id);
    }
    auto it = g->members.find(req.member_id);
    if (it == g->members.end()) return fail_with(ec::unknown_member_id);
    if (req.generation_id != g->generation) return fail_with(ec::illegal_generation);
    auto& m = *it->second;
    switch (g->st) {
    case state::empty:
    case state::dead:
        return fail_with(ec::unknown_member_id);
    case state::preparing_rebalance:
        return fail_with(ec::rebalance_in_progress);
    case state::completing_rebalance: {
        m.awaiting_sync = std::move(cb);
        g->pending_sync.erase(m.id);
        schedule_session(*g, m);
        if (m.id != g->leader) return;
        std::map<std::string, std::string> given;
        for (auto& a : req.assignments)
            given[a.member_id] = std::move(a.assignment);
        for (auto& [id, mm] : g->members) {
            auto ga = given.find(id);
            mm->assignment = ga == given.end() ? std::string() : std::move(ga->second);
        }
        g->set_state(state::stable);
        logger()->info("group {}: generation {} is stable", g->id, g->generation);
        for (auto& [id, mm] : g->members) {
            if (!mm->awaiting_sync) continue;
            proto::sync_group_response r;
            r.assignment = mm->assignment;
            auto scb = std::move(mm->awaiting_sync);
            mm->awaiting_sync = nullptr;
            scb(std::move(r));
        }
        return;
    }
    case state::stable: {
        g->pending_sync.erase(m.id);
        schedule_session(*g, m);
        proto::sync_group_response r;
        r.assignment = m.assignment;
        cb(std::move(r));
        return;
    }
    }
}

proto::heartbeat_response group_coordinator::heartbeat(const group_request_info& info,
                                                       const proto::heartbeat_request& req) {
    proto::heartbeat_response r;
    auto* g = find(req.group_id);
    if (!g) {
        r.error_code = ec::unknown_member_id;
        return r;
    }
    if (req.group_instance_id) {
        auto s = g->static_members.find(*req.group_instance_id);
        if (s != g->static_members.end() && s->second != req.member_id) {
            r.error_code = ec::fenced_instance_id;
            return r;
        }
    }
    auto it = g->members.find(req.member_id);
    if (it == g->members.end() || g->st == state::empty) {
        r.error_code = ec::unknown_member_id;
        return r;
    }
    if (req.generation_id != g->generation) {
        r.error_code = ec::illegal_generation;
        return r;
    }
    schedule_session(*g, *it->second);
    if (g->st == state::preparing_rebalance) r.error_code = ec::rebalance_in_progress;
    return r;
}

proto::leave_group_response group_coordinator::leave_group(const group_request_info& info,
                                                           const proto::leave_group_request& req) {
    proto::leave_group_response r;
    std::vector<proto::leave_group_request::member> who = req.members;
    if (info.version <= 2) who = {{req.member_id, std::nullopt}};
    auto* g = find(req.group_id);
    for (auto& w : who) {
        proto::leave_group_response::member out{w.member_id, w.group_instance_id, ec::none};
        if (!g) {
            out.error_code = ec::unknown_member_id;
        } else if (w.group_instance_id) {
            auto s = g->static_members.find(*w.group_instance_id);
            if (s == g->static_members.end())
                out.error_code = ec::unknown_member_id;
            else if (!w.member_id.empty() && s->second != w.member_id)
                out.error_code = ec::fenced_instance_id;
            else {
                std::string mid = s->second;
                logger()->info("group {}: static member {} ({}) left", g->id, mid, *w.group_instance_id);
                remove_member(*g, mid, "left the group");
            }
        } else if (g->pending.count(w.member_id)) {
            _exec.cancel(g->pending[w.member_id]);
            g->pending.erase(w.member_id);
            if (g->st == state::preparing_rebalance) try_complete_join(*g);
        } else if (g->members.count(w.member_id)) {
            logger()->info("group {}: member {} left", g->id, w.member_id);
            remove_member(*g, w.member_id, "left the group");
        } else {
            out.error_code = ec::unknown_member_id;
        }
        g = find(req.group_id);
        r.members.push_back(std::move(out));
    }
    if (info.version <= 2) {
        r.error_code = r.members.empty() ? ec::unknown_member_id : r.members.front().error_code;
        r.members.clear();
    }
    return r;
}

proto::offset_commit_response group_coordinator::commit_offsets(const group_request_info& info,
                                                                const proto::offset_commit_request& req) {
    proto::offset_commit_response r;
    int16_t err = ec::none;
    auto* g = find(req.group_id);
    if (req.group_id.empty())
        err = ec::invalid_group_id;
    else if (!g) {
        if (req.generation_id < 0)
            g = &get_or_create(req.group_id);
        else
            err = ec::illegal_generation;
    } else {
        auto s = req.group_instance_id ? g->static_members.find(*req.group_instance_id) : g->static_members.end();
        if (req.group_instance_id && s != g->static_members.end() && s->second != req.member_id)
            err = ec::fenced_instance_id;
        else if (req.generation_id < 0 && g->st == state::empty)
            err = ec::none;
        else if (g->st == state::completing_rebalance)
            err = ec::rebalance_in_progress;
        else if (!g->members.count(req.member_id))
            err = ec::unknown_member_id;
        else if (req.generation_id != g->generation)
            err = ec::illegal_generation;
        else
            schedule_session(*g, *g->members[req.member_id]);
    }
    int64_t now = wall_ms();
    for (auto& t : req.topics) {
        proto::offset_commit_response::topic rt;
        rt.name = t.name;
        for (auto& p : t.partitions) {
            int16_t e = err;
            if (e == ec::none && !_partition_exists(t.name, p.partition_index)) e = ec::unknown_topic_or_partition;
            if (e == ec::none && p.committed_metadata &&
                static_cast<int32_t>(p.committed_metadata->size()) > _cfg.max_metadata_bytes)
                e = ec::offset_metadata_too_large;
            if (e == ec::none) {
                offset_entry oe;
                oe.offset = p.committed_offset;
                oe.leader_epoch = p.committed_leader_epoch;
                oe.metadata = p.committed_metadata.value_or("");
                oe.commit_ms = now;
                g->offsets[{t.name, p.partition_index}] = oe;
                persist_offset(g->id, t.name, p.partition_index, &oe);
            }
            rt.partitions.push_back({p.partition_index, e});
        }
        r.topics.push_back(std::move(rt));
    }
    return r;
}

proto::offset_fetch_response group_coordinator::fetch_offsets(const group_request_info& info,
                                                              const proto::offset_fetch_request& req) {
    proto::offset_fetch_response r;
    auto* g = find(req.group_id);
    auto unstable = [&](const std::string& t, int32_t p) {
        if (!g || !req.require_stable) return false;
        for (auto& [_, staged] : g->txn_offsets)
            if (staged.count({t, p})) return true;
        return false;
    };
    auto fill = [&](proto::offset_fetch_response::partition& out, const std::string& t) {
        if (unstable(t, out.partition_index)) {
            out.error_code = ec::unstable_offset_commit;
            return;
        }
        out.metadata = std::string();
        if (!g) return;
        auto it = g->offsets.find({t, out.partition_index});
        if (it == g->offsets.end()) return;
        out.committed_offset = it->second.offset;
        out.committed_leader_epoch = it->second.leader_epoch;
        out.metadata = it->second.metadata;
    };
    if (!req.topics) {
        if (g) {
            for (auto& [tp, _] : g->offsets) {
                if (r.topics.empty() || r.topics.back().name != tp.first) r.topics.push_back({tp.first, {}});
                proto::offset_fetch_response::partition p;
                p.partition_index = tp.second;
                fill(p, tp.first);
                r.topics.back().partitions.push_back(std::move(p));
            }
        }
        return r;
    }
    for (auto& t : *req.topics) {
        proto::offset_fetch_response::topic rt;
        rt.name = t.name;
        for (auto pi : t.partition_indexes) {
            proto::offset_fetch_response::partition p;
            p.partition_index = pi;
            fill(p, t.name);
            rt.partitions.push_back(std::move(p));
        }
        r.topics.push_back(std::move(rt));
    }
    return r;
}

proto::describe_groups_response group_coordinator::describe_groups(const group_request_info& info,
                                                                   const proto::describe_groups_request& req) {
    proto::describe_groups_response r;
    for (auto& gid : req.groups) {
        proto::describe_groups_response::group out;
        out.group_id = gid;
        auto* g = find(gid);
        if (!g) {
            out.group_state = "Dead";
            r.groups.push_back(std::move(out));
            continue;
        }
        out.group_state = state_name(g->st);
        out.protocol_type = g->protocol_type;
        bool stable = g->st == state::stable;
        if (stable) out.protocol_data = g->protocol;
        for (auto& [id, m] : g->members) {
            proto::describe_groups_response::member dm;
            dm.member_id = id;
            dm.group_instance_id = m->instance_id;
            dm.client_id = m->client_id;
            dm.client_host = m->client_host;
            if (stable) {
                if (auto* md = m->metadata_for(g->protocol)) dm.member_metadata = *md;
                dm.member_assignment = m->assignment;
            }
            out.members.push_back(std::move(dm));
        }
        r.groups.push_back(std::move(out));
    }
    return r;
}

proto::list_groups_response group_coordinator::list_groups(const group_request_info& info,
                                                           const proto::list_groups_request& req) {
    proto::list_groups_response r;
    for (auto& [id, g] : _groups) {
        std::string st = state_name(g->st);
        if (!req.states_filter.empty()) {
            bool match = false;
            for (auto& f : req.states_filter)
                if (strcasecmp(f.c_str(), st.c_str()) == 0) match = true;
            if (!match) continue;
        }
        r.groups.push_back({id, g->protocol_type, st});
    }
    return r;
}

proto::delete_groups_response group_coordinator::delete_groups(const group_request_info& info,
                                                               const proto::delete_groups_request& req) {
    proto::delete_groups_response r;
    for (auto& gid : req.groups_names) {
        auto* g = find(gid);
        int16_t e = ec::none;
        if (!g)
            e = ec::group_id_not_found;
        else if (!g->members.empty() || g->st != state::empty)
            e = ec::non_empty_group;
        else {
            for (auto& [tp, _] : g->offsets)
                persist_offset(gid, tp.first, tp.second, nullptr);
            for (auto& [pid, staged] : g->txn_offsets)
                for (auto& [tp, _] : staged)
                    (void)_journal.erase(txn_offset_key(gid, pid, tp.first, tp.second));
            (void)_journal.erase(group_key(gid));
            for (auto& [_, t] : g->pending)
                _exec.cancel(t);
            _groups.erase(gid);
            logger()->info("group {} deleted", gid);
        }
        r.results.push_back({gid, e});
    }
    return r;
}

proto::txn_offset_commit_response group_coordinator::txn_commit_offsets(const group_request_info& info,
                                                                        const proto::txn_offset_commit_request& req) {
    proto::txn_offset_commit_response r;
    int16_t err = ec::none;
    group* g = nullptr;
    if (req.group_id.empty())
        err = ec::invalid_group_id;
    else {
        g = &get_or_create(req.group_id);
        if (req.group_instance_id) {
            auto s = g->static_members.find(*req.group_instance_id);
            if (s != g->static_members.end() && s->second != req.member_id) err = ec::fenced_instance_id;
        }
        if (err == ec::none && !req.member_id.empty() && !g->members.count(req.member_id)) err = ec::unknown_member_id;
        if (err == ec::none && req.generation_id >= 0 && req.generation_id != g->generation)
            err = ec::illegal_generation;
    }
    int64_t now = wall_ms();
    for (auto& t : req.topics) {
        proto::txn_offset_commit_response::topic rt;
        rt.name = t.name;
        for (auto& p : t.partitions) {
            int16_t e = err;
            if (e == ec::none && !_partition_exists(t.name, p.partition_index)) e = ec::unknown_topic_or_partition;
            if (e == ec::none && p.committed_metadata &&
                static_cast<int32_t>(p.committed_metadata->size()) > _cfg.max_metadata_bytes)
                e = ec::offset_metadata_too_large;
            if (e == ec::none) {
                offset_entry oe;
                oe.offset = p.committed_offset;
                oe.leader_epoch = p.committed_leader_epoch;
                oe.metadata = p.committed_metadata.value_or("");
                oe.commit_ms = now;
                g->txn_offsets[req.producer_id][{t.name, p.partition_index}] = oe;
                bytes_writer w;
                w.i64(oe.offset).i32(oe.leader_epoch).str(oe.metadata).i64(oe.commit_ms);
                (void)_journal.put(txn_offset_key(g->id, req.producer_id, t.name, p.partition_index), w.take());
            }
            rt.partitions.push_back({p.partition_index, e});
        }
        r.topics.push_back(std::move(rt));
    }
    return r;
}

void group_coordinator::complete_txn_offsets(const std::string& gid, int64_t producer_id, bool commit) {
    auto* g = find(gid);
    if (!g) return;
    auto it = g->txn_offsets.find(producer_id);
    if (it == g->txn_offsets.end()) return;
    for (auto& [tp, e] : it->second) {
        if (commit) {
            g->offsets[tp] = e;
            persist_offset(gid, tp.first, tp.second, &e);
        }
        (void)_journal.erase(txn_offset_key(gid, producer_id, tp.first, tp.second));
    }
    g->txn_offsets.erase(it);
}

void group_coordinator::forget_topic(const std::string& topic) {
    for (auto& [gid, g] : _groups) {
        for (auto it = g->offsets.begin(); it != g->offsets.end();) {
            if (it->first.first == topic) {
                persist_offset(gid, topic, it->first.second, nullptr);
                it = g->offsets.erase(it);
            } else {
                ++it;
            }
        }
    }
}

void group_coordinator::expire_offsets(int64_t now_ms) {
    std::vector<std::string> drop;
    for (auto& [gid, g] : _groups) {
        if (g->st != state::empty || !g->members.empty() || !g->pending.empty()) continue;
        if (now_ms - g->state_since_ms < _cfg.offsets_retention_ms) continue;
        if (!g->txn_offsets.empty()) continue;
        for (auto& [tp, _] : g->offsets)
            persist_offset(gid, tp.first, tp.second, nullptr);
        g->offsets.clear();
        drop.push_back(gid);
    }
    for (auto& gid : drop) {
        (void)_journal.erase(group_key(gid));
        _groups.erase(gid);
        logger()->info("group {}: offsets expired after offsets.retention.minutes; group removed", gid);
    }
}

std::map<std::string, int64_t> group_coordinator::state_counts() const {
    std::map<std::string, int64_t> m;
    for (auto s : {state::empty, state::preparing_rebalance, state::completing_rebalance, state::stable})
        m[state_name(s)] = 0;
    for (auto& [_, g] : _groups)
        m[state_name(g->st)]++;
    return m;
}

} // namespace ferry::broker
