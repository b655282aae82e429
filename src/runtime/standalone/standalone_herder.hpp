#pragma once
// The standalone herder (connect-standalone): one worker, connector configs and statuses in
// memory, source offsets in the offset store (offset.storage.file.filename).
//
// Threading: REST calls run under one mutex, synchronously. Requests that connectors raise from
// their own threads (task reconfiguration, errors) go through a queue served by a thread of the
// herder's own, so a connector calling back from inside start() cannot deadlock. Task threads
// report states through status_listener, which only writes the status store.

#include "runtime/herder.hpp"
#include "runtime/offset_codec.hpp"
#include "runtime/status.hpp"
#include "runtime/worker.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

namespace ferry::runtime {

class standalone_herder : public herder, public status_listener {
public:
    // The worker must be built with this herder as its status listener (see make_worker_settings).
    standalone_herder(std::shared_ptr<status_store> statuses, std::shared_ptr<storage::offset_store> offsets,
                      std::string kafka_cluster_id);
    ~standalone_herder() override;

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
    result<std::vector<std::string>> connector_active_topics(const std::string& name) override;
    result<> reset_connector_active_topics(const std::string& name) override;

    // status_listener
    void on_connector_state(const std::string& connector, state s, const std::string& trace) override;
    void on_task_state(const task_id& id, state s, const std::string& trace) override;
    void on_topic_active(const task_id& id, const std::string& topic) override;

    // Called by the worker (any thread).
    void request_reconfiguration(const std::string& connector);
    void connector_error(const std::string& connector, const std::string& message);

private:
    struct conn {
        config_map config; // raw
        target_state target = target_state::started;
        std::vector<config_map> tasks;
    };

    connector_info info_locked(const std::string& name, const conn& c) const;
    std::string type_of(const config_map& cfg) const;
    void start_connector_and_tasks_locked(const std::string& name);
    void stop_connector_and_tasks_locked(const std::string& name);
    void reconfigure_locked(const std::string& name);
    // KIP-875 alter (offsets given) or reset (nullptr) of a STOPPED connector's offsets.
    result<std::string> modify_offsets(const std::string& name, const std::vector<connector_offset>* offsets);
    void background_loop();

    worker* _worker = nullptr;
    std::shared_ptr<status_store> _statuses;
    std::shared_ptr<storage::offset_store> _offsets;
    std::string _cluster_id;
    bool _ready = false;

    std::recursive_mutex _mu;
    std::map<std::string, conn> _conns;

    // Active topics per connector (KIP-558); kept in memory like the statuses.
    std::mutex _topics_mu;
    std::map<std::string, std::set<std::string>> _topics;

    std::mutex _qmu;
    std::condition_variable _qcv;
    std::deque<std::function<void()>> _queue;
    bool _quit = false;
    std::thread _bg;
};

} // namespace ferry::runtime
