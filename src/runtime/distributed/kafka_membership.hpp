#pragma once
// Membership of a distributed worker in the Kafka group `group.id` with protocol type "connect"
// (spec section 10), through Ferry's own protocol client (librdkafka does not expose custom group
// protocols).
//
// Threading. poll() runs on the herder's tick thread and performs whole rebalances there
// (FindCoordinator, JoinGroup - which the coordinator holds until every member has joined -, the
// leader's assignment, SyncGroup). A heartbeat thread of its own keeps the membership alive between
// rebalances; it only sets flags and wakes the herder: "rejoin" when the coordinator announces a
// rebalance, "lost" when no heartbeat has succeeded for half the session timeout. A lost member's
// next poll() returns an empty assignment, so the herder stops every connector and task BEFORE the
// coordinator can expire the member and give its work to another worker (session.timeout.ms after
// the last successful heartbeat, plus a rebalance) - two workers never run the same task.

#include "kafka/group/assignor.hpp"
#include "kafka/group/connection.hpp"
#include "runtime/distributed/membership.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace ferry::runtime {

struct kafka_membership_config {
    std::string group_id;
    std::string url;                 // this worker's advertised REST URL
    std::string bootstrap_servers;   // host:port,...
    kafka::group::security_config security;
    std::string client_id = "connect";
    std::string protocol = "sessioned"; // eager | compatible | sessioned
    int32_t session_timeout_ms = 10000;
    int32_t heartbeat_interval_ms = 3000;
    int32_t rebalance_timeout_ms = 60000;
    int32_t scheduled_rebalance_max_delay_ms = 300000;
    int64_t retry_backoff_ms = 100;
};

class kafka_membership : public group_membership {
public:
    // `wake` is called from the heartbeat thread when poll() has work; `refresh` reads the config
    // topic to its end and returns the new snapshot (the leader catching up before assigning).
    kafka_membership(kafka_membership_config cfg, std::function<void()> wake,
                     std::function<config_snapshot()> refresh);
    ~kafka_membership() override;

    std::optional<member_assignment> poll(const config_snapshot& snapshot) override;
    void request_rejoin() override;
    void leave() override;
    bool rebalancing() const override { return _rebalancing; }
    std::optional<std::string> owner_url(const std::string& connector, std::optional<int32_t> task) const override;
    const std::string& member_id() const { return _member_id; }
    // Member id -> URL of the last generation (known to the leader).
    std::map<std::string, std::string> member_urls() const;
    // Which member runs what, as the leader last computed it.
    std::map<std::string, kafka::group::work_set> leader_view() const;

private:
    result<> ensure_coordinator();
    result<member_assignment> join_and_sync(const config_snapshot& snapshot);
    void heartbeat_loop();
    std::vector<std::pair<std::string, int>> bootstrap() const;

    kafka_membership_config _cfg;
    std::function<void()> _wake;
    std::function<config_snapshot()> _refresh;
    kafka::group::connect_assignor _assignor;

    // Tick thread state.
    std::unique_ptr<kafka::group::connection> _coordinator;
    std::string _coordinator_host;
    int _coordinator_port = 0;
    kafka::group::work_set _current;
    std::optional<member_assignment> _last;
    std::chrono::steady_clock::time_point _rejoin_at = std::chrono::steady_clock::time_point::max();
    std::chrono::steady_clock::time_point _retry_at{};
    bool _reported_lost = false;

    // Shared with the heartbeat thread.
    mutable std::mutex _mu;
    std::condition_variable _cv;
    std::string _member_id;
    int32_t _generation = -1;
    bool _joined = false;
    std::atomic<bool> _need_rejoin{true};
    std::atomic<bool> _lost{false};
    std::atomic<bool> _rebalancing{false};
    std::chrono::steady_clock::time_point _last_heartbeat_ok;
    std::chrono::milliseconds half_session() const { return std::chrono::milliseconds(_cfg.session_timeout_ms / 2); }
    bool mark_lost_locked();
    bool _stop = false;
    std::map<std::string, std::string> _member_urls;
    std::map<std::string, kafka::group::work_set> _leader_view;
    std::thread _heartbeat;
};

} // namespace ferry::runtime
