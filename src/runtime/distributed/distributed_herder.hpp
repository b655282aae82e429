#pragma once
// The distributed herder (connect-distributed): connector configs, target states and task configs
// live in the config topic, statuses in the status topic, source offsets in the offsets topic, so
// a worker that is killed and restarted - or another worker of the same group - finds everything
// where it was.
//
// Threading. One tick thread owns all herder state. REST calls are queued to it and wait for the
// result (90 s, as Kafka Connect); config-topic updates arrive on the config log's thread, which
// only marks the state dirty and wakes the tick thread. Each tick: run queued requests, apply new
// config state, drive the group membership, reconcile what this worker runs with its assignment,
// regenerate task configs for connectors that asked for it, act on restart requests.
//
// Writes. Connector configs, task configs and restart requests are written by the leader only
// (spec 10); this worker forwards nothing yet - with solo_membership it is always the leader.
// Reads answer from the latest snapshot; /status from the status store.

#include "runtime/distributed/kafka_config_store.hpp"
#include "runtime/distributed/kafka_status_store.hpp"
#include "runtime/distributed/membership.hpp"
#include "runtime/distributed/rest_client.hpp"
#include "runtime/herder.hpp"
#include "runtime/offset_codec.hpp"
#include "runtime/worker.hpp"
#include "storage/kafka_offset_store.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace ferry::runtime {

struct distributed_stores {
    std::shared_ptr<kafka_config_store> config;
    std::shared_ptr<kafka_status_store> status;
    std::shared_ptr<storage::kafka_offset_store> offsets;
};

class distributed_herder : public herder, public status_listener, public config_store_listener {
public:
    distributed_herder(distributed_stores stores, std::unique_ptr<group_membership> membership,
                       std::string kafka_cluster_id, std::string worker_url);
    ~distributed_herder() override;

    void attach(worker* w) { _worker = w; }

    result<> start() override;
    void stop() override;
    bool ready() const override { return _ready; }

    const plugin_registry& plugins() const override { return _worker->plugins(); }
    std::string kafka_cluster_id() const override { return _cluster_id; }
    std::string worker_id() const override { return _worker->worker_id(); }

    std::vector<std::string> connectors() override;
    result<connector_info> connector(const std::string& name) override;
    result<config_map> connector_config(const std::string& name) override;
    result<put_result> put_connector_config(const std::string& name, const config_map& config, bool allow_replace,
                                            std::optional<target_state> initial) override;
    result<connector_info> patch_connector_config(const std::string& name,
                                                  const std::map<std::string, std::optional<std::string>>& patch) override;
    result<> delete_connector(const std::string& name) override;
    result<connector_state_info> connector_status(const std::string& name) override;
    result<task_state_info> task_status(const task_id& id) override;
    result<std::vector<task_info>> task_configs(const std::string& name) override;
    result<> restart_connector(const std::string& name) override;
    result<> restart_task(const task_id& id) override;
    result<connector_state_info> restart_connector_and_tasks(const std::string& name, bool include_tasks,
                                                              bool only_failed) override;
    result<> pause_connector(const std::string& name) override;
    result<> resume_connector(const std::string& name) override;
    result<> stop_connector(const std::string& name) override;
    result<std::vector<connector_offset>> connector_offsets(const std::string& name) override;
    result<std::string> alter_connector_offsets(const std::string& name, const std::vector<connector_offset>& offsets) override;
    result<std::string> reset_connector_offsets(const std::string& name) override;
    result<config_infos> validate_connector_config(const config_map& config) override;
    result<> accept_task_configs(const std::string& connector, const std::vector<config_map>& configs,
                                 const std::string& raw_body, const std::optional<std::string>& signature,
                                 const std::optional<std::string>& algorithm) override;

    // status_listener (task threads, worker)
    void on_connector_state(const std::string& connector, state s, const std::string& trace) override;
    void on_task_state(const task_id& id, state s, const std::string& trace) override;
    void on_topic_active(const task_id& id, const std::string& topic) override;

    // Topic tracking (topic.tracking.enable): GET /connectors/{c}/topics and PUT .../topics/reset.
    result<std::vector<std::string>> connector_active_topics(const std::string& name) override;
    result<> reset_connector_active_topics(const std::string& name) override;
    void set_topic_tracking(bool enabled) { _topic_tracking = enabled; }

    // config_store_listener (config log thread)
    void on_connector_config(const std::string& connector, bool removed) override;
    void on_task_configs(const std::string& connector) override;
    void on_target_state(const std::string& connector) override;
    void on_restart_request(const restart_request& r) override;

    // Worker callbacks (any thread).
    void request_reconfiguration(const std::string& connector);
    void connector_error(const std::string& connector, const std::string& message);

    // Sink/source offsets helpers need Kafka clients; the worker's settings provide them.
    void set_admin_props(kafka::properties p) { _admin_props = std::move(p); }
    // inter.worker.key.ttl.ms (session keys of the sessioned protocol).
    void set_key_ttl_ms(int64_t ttl) { _key_ttl_ms = ttl; }
    // How task configs sent to the leader verify its certificate (an https:// leader).
    void set_rest_client_tls(rest_client_tls tls) { _rest_tls = std::move(tls); }
    // Wakes the tick thread (the membership's heartbeat thread calls this).
    void wake();
    // The config store read to its end (the membership's leader catching up).
    config_snapshot refresh_snapshot();

private:
    template <class T>
    result<T> run(std::function<result<T>()> fn);
    result<std::string> modify_offsets(const std::string& name, const std::vector<connector_offset>* offsets);
    void tick_loop();
    void apply_config_update();
    void reconcile();
    void regenerate_task_configs();
    void process_restart(const restart_request& r);
    connector_info info_of(const std::string& name) const { return info_of(_snap, name); }
    connector_info info_of(const config_snapshot& snap, const std::string& name) const;
    // The tick thread's snapshot as REST reads see it: reads never wait for the tick thread, which
    // may be in the middle of a rebalance or stopping tasks.
    void publish();
    std::shared_ptr<const config_snapshot> published() const;
    std::string type_of(const config_map& cfg) const;
    result<> check_exists(const std::string& name) const;
    result<> require_stopped(const std::string& name) const;
    // For writes: 409 during a rebalance, not_leader (with the leader's URL) on followers.
    result<> require_leader() const;
    void rotate_session_key();
    std::optional<std::string> session_key() const; // raw key bytes
    // Followers hand task configs to the leader from a thread of their own: the leader may be in
    // the middle of a rebalance that waits for this worker's tick thread to rejoin.
    void queue_task_configs_for_leader(const std::string& connector, const std::vector<config_map>& configs);
    void forward_loop();

    distributed_stores _stores;
    std::unique_ptr<group_membership> _membership;
    std::string _cluster_id;
    std::string _url;
    worker* _worker = nullptr;
    kafka::properties _admin_props;
    std::atomic<bool> _ready{false};

    // Tick thread state.
    config_snapshot _snap;
    member_assignment _assignment;
    std::set<std::string> _running_connectors;
    std::map<task_id, config_map> _running_tasks; // with the config they run with
    std::set<std::string> _reconfigure;           // connectors whose task configs must be regenerated
    std::deque<restart_request> _restarts;
    int64_t _key_ttl_ms = 3600000;
    rest_client_tls _rest_tls;
    bool _topic_tracking = true;

    // Cross-thread signals.
    std::mutex _mu;
    std::condition_variable _cv;
    std::deque<std::function<void()>> _queue;
    bool _config_dirty = true;
    std::set<std::string> _reconfig_requests;
    std::deque<restart_request> _restart_requests;
    bool _stop = false;
    std::thread _thread;

    // Task configs on their way to the leader (connector -> leader URL, body, signature).
    struct outgoing_task_configs {
        std::string leader_url, body, signature;
    };
    std::map<std::string, outgoing_task_configs> _outbox; // guarded by _mu
    mutable std::mutex _pub_mu;
    std::shared_ptr<const config_snapshot> _published;
    std::condition_variable _outbox_cv;
    std::thread _forwarder;
};

} // namespace ferry::runtime
